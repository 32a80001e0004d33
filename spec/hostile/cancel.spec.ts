/**
 * Hostile `$/cancelRequest` messages straight off the wire: malformed ids,
 * wrong shapes, the request form, inside batches, for ids of finished or
 * other peers' requests. None crashes, none cancels the wrong call, none
 * leaves anything behind; the connection keeps serving.
 */
import { BSON } from 'bson';
import { BsonRpc, createTransportPair, JsonRpc, request, rpcRequest, RpcContext, serviceClass, Transport } from '../../lib';
import { logSink } from '../helpers/log-sink';
import { closeAndJoin, sleep, until } from '../helpers/wait';

@serviceClass
class Svc {
  aborted = 0;
  @rpcRequest async hold(rpc: RpcContext, ms: number) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      rpc.signal.addEventListener('abort', () => (this.aborted++, clearTimeout(t), resolve()), { once: true });
    });
    return 'held';
  }
  @request echo(x: unknown) {
    return x;
  }
}

function rawJson() {
  const [x, y] = createTransportPair();
  const svc = new Svc();
  const logs = logSink();
  const server = new JsonRpc(x, svc, { logger: logs.logger });
  const replies: any[] = [];
  y.start({ onMessage: (m) => void replies.push(JSON.parse(String(m))), onDrain: () => undefined, onError: () => undefined, onClose: () => undefined });
  return { server, svc, logs, replies, send: (v: unknown) => y.send(typeof v === 'string' ? v : JSON.stringify(v)) };
}

const BAD_CANCELS: [string, unknown][] = [
  ['no params', { jsonrpc: '2.0', method: '$/cancelRequest' }],
  ['params an array', { jsonrpc: '2.0', method: '$/cancelRequest', params: [1] }],
  ['no id', { jsonrpc: '2.0', method: '$/cancelRequest', params: {} }],
  ['id null', { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: null } }],
  ['id an object', { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: { id: 1 } } }],
  ['id fractional', { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1.5 } }],
  ['id a bool', { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: true } }],
  ['id a huge string', { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'x'.repeat(100_000) } }],
  ['id of no request', { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 424242 } }],
  ['the id as a string where the request used a number', { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: '1' } }],
  ['an empty batch of cancels', [{ jsonrpc: '2.0', method: '$/cancelRequest', params: {} }]],
];

describe('JSON: malformed cancels touch nothing', () => {
  test.each(BAD_CANCELS)('%s', async (_label, message) => {
    const r = rawJson();
    r.send({ jsonrpc: '2.0', method: 'hold', params: [80], id: 1 });
    await until(() => r.server.stats().runningHandlers === 1, 'the handler');
    r.send(message);
    r.send({ jsonrpc: '2.0', method: 'echo', params: ['still here'], id: 2 });
    await until(() => r.replies.length >= 2, 'both answers');
    expect(r.replies).toEqual([
      { jsonrpc: '2.0', result: 'still here', id: 2 },
      { jsonrpc: '2.0', result: 'held', id: 1 },
    ]);
    expect(r.svc.aborted).toBe(0);
    expect(r.logs.warnings()).toEqual([]);
    await closeAndJoin(r.server);
  });

  test('the request form is answered null, whether or not the id is live (and a live one is cancelled)', async () => {
    const r = rawJson();
    r.send({ jsonrpc: '2.0', method: 'hold', params: [5000], id: 1 });
    await until(() => r.server.stats().runningHandlers === 1, 'the handler');
    r.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'nope' }, id: 2 });
    r.send({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 1 }, id: 3 });
    await until(() => r.replies.length === 3, 'three answers');
    expect(r.replies).toEqual([
      { jsonrpc: '2.0', result: null, id: 2 },
      { jsonrpc: '2.0', error: { code: -32800, message: 'Request cancelled' }, id: 1 },
      { jsonrpc: '2.0', result: null, id: 3 },
    ]);
    expect(r.svc.aborted).toBe(1);
    await until(() => r.server.stats().runningHandlers === 0, 'the handler to stop');
    await sleep(10);
    expect(r.replies).toHaveLength(3); // the handler's own late result is dropped
    await closeAndJoin(r.server);
  });

  test('a second cancel of the same request, and a cancel inside a batch with the request itself, answer once', async () => {
    const r = rawJson();
    r.send([
      { jsonrpc: '2.0', method: 'hold', params: [5000], id: 'h' },
      { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'h' } },
      { jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'h' } },
    ]);
    await until(() => r.replies.length === 1, 'the batch answer');
    expect(r.replies[0]).toEqual([{ jsonrpc: '2.0', error: { code: -32800, message: 'Request cancelled' }, id: 'h' }]);
    await sleep(20);
    expect(r.replies).toHaveLength(1);
    await closeAndJoin(r.server);
  });
});

test('BSON: malformed cancels (int64 and double ids, wrong types) touch nothing; a good one with an int64 id cancels', async () => {
  const [x, y]: [Transport, Transport] = createTransportPair();
  const svc = new Svc();
  const logs = logSink();
  const server = new BsonRpc(x, svc, { logger: logs.logger });
  const replies: any[] = [];
  y.start({ onMessage: (m) => void replies.push(BSON.deserialize(m as Uint8Array)), onDrain: () => undefined, onError: () => undefined, onClose: () => undefined });
  const send = (doc: Record<string, unknown>) => y.send(BSON.serialize(doc));
  send({ bsonrpc: '2.0', method: 'hold', params: [5000], id: 7 });
  await until(() => server.stats().runningHandlers === 1, 'the handler');
  for (const params of [{}, { id: null }, { id: [7] }, { id: 7.5 }, { id: new BSON.ObjectId() }]) send({ bsonrpc: '2.0', method: '$/cancelRequest', params });
  send({ bsonrpc: '2.0', method: 'echo', params: ['ok'], id: 8 });
  await until(() => replies.length === 1, 'the echo');
  expect(svc.aborted).toBe(0);
  send({ bsonrpc: '2.0', method: '$/cancelRequest', params: { id: BSON.Long.fromNumber(7) } });
  await until(() => replies.length === 2, 'the -32800');
  expect(replies[1]).toMatchObject({ error: { code: -32800 }, id: 7 });
  expect(svc.aborted).toBe(1);
  expect(logs.warnings()).toEqual([]);
  await closeAndJoin(server);
});
