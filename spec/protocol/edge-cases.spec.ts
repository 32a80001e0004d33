/**
 * JSON-RPC 2.0 rules the specification states but does not illustrate,
 * replayed over raw bytes against a real `JsonRpc` peer: id types, request
 * objects that are invalid, responses that must never be answered, and a
 * peer's own responses arriving inside a batch array.
 *
 * Each row is one request text and the exact response (or none); after it a
 * fence request must be answered next and nothing else may follow, which
 * also proves the connection stayed open.
 */
import { JsonRpc, MethodNotFound, notification, request, RpcContext, rpcRequest, serviceClass } from '../../lib';
import { logSink } from '../helpers/log-sink';
import { expectResponse, RawEnd, rawLink } from '../helpers/raw';
import { closeAndJoin, sleep } from '../helpers/wait';

@serviceClass
class EdgeServer {
  @request subtract(minuend: number, subtrahend: number) {
    return minuend - subtrahend;
  }
  @request ping() {
    return 'pong';
  }
  @request nothing() {}
  @notification update(..._values: unknown[]) {}
  @notification boom() {
    throw new Error('notification handler failed');
  }
}

const QUIET_MS = 50;
const FENCE = '{"jsonrpc":"2.0","method":"ping","id":"fence"}';

function edgeServer(framing: string) {
  const logs = logSink('debug');
  const { raw, peer } = rawLink(framing, (s) => new JsonRpc(s, new EdgeServer(), { framing: framing as any, logger: logs.logger }));
  return { raw, peer, logs };
}

async function expectFenceThenQuiet(raw: RawEnd): Promise<void> {
  raw.send(FENCE);
  expect(await raw.nextJson()).toEqual({ jsonrpc: '2.0', result: 'pong', id: 'fence' });
  expect((await raw.quiet(QUIET_MS)).map(String)).toEqual([]);
}

const invalid = (id: unknown) => ({ jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' }, id });
const result19 = (id: unknown) => ({ jsonrpc: '2.0', result: 19, id });
const call = (idText: string) => `{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":${idText}}`;

/** [name, request text, expected response or null for none]. */
const ROWS: Array<[string, string, unknown]> = [
  // ids: strings and integers are echoed; null is an id too (a request, not a notification)
  ['string id', call('"abc"'), result19('abc')],
  ['empty string id', call('""'), result19('')],
  ['integer id 0', call('0'), result19(0)],
  ['negative integer id', call('-7'), result19(-7)],
  ['largest safe integer id', call('9007199254740991'), result19(9007199254740991)],
  ['null id: answered with id null', call('null'), result19(null)],
  // ids of the wrong type: -32600, id null (the id could not be read)
  ['fractional id', call('1.5'), invalid(null)],
  ['object id', call('{"a":1}'), invalid(null)],
  ['array id', call('[1]'), invalid(null)],
  ['boolean id', call('true'), invalid(null)],
  // JSON.parse cannot hold 2^53 + 1 exactly: answering it would echo a different id
  ['integer id beyond 2^53', call('9007199254740993'), invalid(null)],
  // invalid request objects whose id is readable: -32600 with that id
  ['params a string', '{"jsonrpc":"2.0","method":"subtract","params":"bar","id":7}', invalid(7)],
  ['params a number', '{"jsonrpc":"2.0","method":"subtract","params":5,"id":8}', invalid(8)],
  ['params null', '{"jsonrpc":"2.0","method":"subtract","params":null,"id":9}', invalid(9)],
  ['missing "jsonrpc"', '{"method":"subtract","params":[42,23],"id":10}', invalid(10)],
  ['"jsonrpc": "1.0"', '{"jsonrpc":"1.0","method":"subtract","params":[42,23],"id":11}', invalid(11)],
  ['"jsonrpc": 2.0 (a number)', '{"jsonrpc":2.0,"method":"subtract","params":[42,23],"id":12}', invalid(12)],
  ['missing method', '{"jsonrpc":"2.0","params":[42,23],"id":13}', invalid(13)],
  ['method not a string', '{"jsonrpc":"2.0","method":["subtract"],"id":14}', invalid(14)],
  ['a string, not an object', '"subtract"', invalid(null)],
  ['null', 'null', invalid(null)],
  ['an invalid notification is still answered, id null', '{"jsonrpc":"2.0","method":"update","params":"bar"}', invalid(null)],
  // requests that reach a handler badly
  ['too few positional params: -32602 with the id', '{"jsonrpc":"2.0","method":"subtract","params":[1],"id":15}', { jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params' }, id: 15 }],
  ['an unknown named param: -32602 with the id', '{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1,"x":2},"id":16}', { jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params' }, id: 16 }],
  ['a request to a notification handler: -32601', '{"jsonrpc":"2.0","method":"update","id":17}', { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 17 }],
  ['a reserved "rpc." name: -32601', '{"jsonrpc":"2.0","method":"rpc.discover","id":18}', { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 18 }],
  ['a handler returning nothing: "result": null (the member is required)', '{"jsonrpc":"2.0","method":"nothing","id":19}', { jsonrpc: '2.0', result: null, id: 19 }],
  // notifications are never answered, whatever goes wrong
  ['a notification to a request handler', '{"jsonrpc":"2.0","method":"subtract","params":[42,23]}', null],
  ['a notification to an unknown method', '{"jsonrpc":"2.0","method":"nope"}', null],
  ['a notification whose handler throws', '{"jsonrpc":"2.0","method":"boom"}', null],
  ['a notification with bad params', '{"jsonrpc":"2.0","method":"nothing","params":[1,2,3]}', null],
  // responses are never answered: two peers must not ping-pong errors
  ['response with an unknown id', '{"jsonrpc":"2.0","result":1,"id":999}', null],
  ['error response with an unknown id', '{"jsonrpc":"2.0","error":{"code":-32000,"message":"x"},"id":998}', null],
  ['error response with id null', '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}', null],
  ['malformed response: both result and error', '{"jsonrpc":"2.0","result":1,"error":{"code":1,"message":"x"},"id":997}', null],
  ['malformed response: no "jsonrpc"', '{"result":1,"id":996}', null],
  ['malformed response: object id', '{"jsonrpc":"2.0","result":1,"id":{"a":1}}', null],
  ['a batch of responses only', '[{"jsonrpc":"2.0","result":1,"id":995},{"jsonrpc":"2.0","result":2,"id":994}]', null],
  [
    'a batch mixing an unknown response and a request: only the request is answered',
    `[{"jsonrpc":"2.0","result":1,"id":993},${call('"r"')}]`,
    [result19('r')],
  ],
];

describe.each(['rfc7464', 'netstring'])('protocol edge cases over %s', (framing) => {
  test.each(ROWS)('%s', async (_name, text, expected) => {
    const { raw, peer, logs } = edgeServer(framing);
    raw.send(text);
    if (expected !== null) expectResponse(await raw.nextJson(), expected);
    await expectFenceThenQuiet(raw);
    expect(peer.isClosed).toBe(false);
    await closeAndJoin(peer);
    if (text.includes('"result":1,"id":999}')) {
      // A late or unknown answer is normal (e.g. after a timeout): debug, never warn.
      expect(logs.lines.some((l) => l.level === 20 && l.id === 999)).toBe(true);
      expect(logs.warnings()).toEqual([]);
    }
  });
});

describe('responses to this peer’s own requests', () => {
  function caller() {
    const logs = logSink('debug');
    const { raw, peer } = rawLink('rfc7464', (s) => new JsonRpc(s, null, { logger: logs.logger }));
    return { raw, peer, logs };
  }
  const done = async (peer: JsonRpc) => {
    expect(peer.stats()).toEqual({ pendingRequests: 0, runningHandlers: 0 });
    await closeAndJoin(peer);
  };

  test('batchCall answered by one array in another order routes each response by id', async () => {
    const { raw, peer } = caller();
    const results = peer.batchCall((b) => {
      b.subtract(42, 23);
      b.n.update(1);
      b.sum(1, 2, 3);
      b.get_data();
    });
    const sent = await raw.nextJson();
    expect(sent).toEqual([
      { jsonrpc: '2.0', method: 'subtract', params: [42, 23], id: expect.anything() },
      { jsonrpc: '2.0', method: 'update', params: [1] },
      { jsonrpc: '2.0', method: 'sum', params: [1, 2, 3], id: expect.anything() },
      { jsonrpc: '2.0', method: 'get_data', id: expect.anything() },
    ]);
    const [a, , b, c] = sent as { id: number }[];
    raw.send(
      JSON.stringify([
        { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: c.id },
        { jsonrpc: '2.0', result: 6, id: b.id },
        { jsonrpc: '2.0', result: 19, id: a.id },
      ]),
    );
    const got = (await results)!;
    expect(got.slice(0, 2)).toEqual([19, 6]);
    expect(got[2]).toBeInstanceOf(MethodNotFound);
    await done(peer);
  });

  test('separate requests answered together in one batch array', async () => {
    const { raw, peer } = caller();
    const one = peer.invokeRequest('subtract', 42, 23);
    const two = peer.sendRequest('subtract', { minuend: 1, subtrahend: 2 });
    const [m1, m2] = [await raw.nextJson(), await raw.nextJson()];
    raw.send(JSON.stringify([{ jsonrpc: '2.0', result: -1, id: m2.id }, { jsonrpc: '2.0', result: 19, id: m1.id }]));
    expect(await Promise.all([one, two])).toEqual([19, -1]);
    expect((await raw.quiet(QUIET_MS)).map(String)).toEqual([]); // a batch of responses is not answered
    await done(peer);
  });

  test('batchCall answered by separate single responses', async () => {
    const { raw, peer } = caller();
    const results = peer.batchCall((b) => {
      b.ping();
      b.ping();
    });
    const [x, y] = (await raw.nextJson()) as { id: number }[];
    raw.send(JSON.stringify({ jsonrpc: '2.0', result: 'second', id: y.id }));
    raw.send(JSON.stringify({ jsonrpc: '2.0', result: 'first', id: x.id }));
    expect(await results).toEqual(['first', 'second']);
    await done(peer);
  });

  test('a batch answer carrying an unknown id alongside the real ones', async () => {
    const { raw, peer, logs } = caller();
    const results = peer.batchCall((b) => b.ping());
    const [x] = (await raw.nextJson()) as { id: number }[];
    raw.send(JSON.stringify([{ jsonrpc: '2.0', result: 'stray', id: 12345 }, { jsonrpc: '2.0', result: 'pong', id: x.id }]));
    expect(await results).toEqual(['pong']);
    expect(logs.lines.some((l) => l.level === 20 && l.id === 12345)).toBe(true);
    await done(peer);
  });

  test('an id of another type never settles a request ("1" is not 1)', async () => {
    const { raw, peer } = caller();
    const result = peer.invokeRequest('ping');
    const { id } = await raw.nextJson();
    expect(typeof id).toBe('number');
    raw.send(JSON.stringify({ jsonrpc: '2.0', result: 'wrong', id: String(id) }));
    raw.send(JSON.stringify({ jsonrpc: '2.0', result: 'right', id }));
    expect(await result).toBe('right');
    await done(peer);
  });

  test('a batch of notifications only resolves null and is written as one array', async () => {
    const { raw, peer } = caller();
    expect(await peer.batchCall((b) => b.n.update(1))).toBeNull();
    expect(await raw.nextJson()).toEqual([{ jsonrpc: '2.0', method: 'update', params: [1] }]);
    await done(peer);
  });
});

@serviceClass
class Closer {
  @request async slow() {
    await sleep(20);
    return 'slow';
  }
  @rpcRequest bye(rpc: RpcContext) {
    rpc.closeAfterResponse();
    return 'bye';
  }
}

describe('closeAfterResponse() and batches', () => {
  const closer = () => rawLink('rfc7464', (s) => new JsonRpc(s, new Closer(), { logger: logSink().logger }));

  test('a single request: answered, then the connection closes', async () => {
    const { raw, peer } = closer();
    raw.send('{"jsonrpc":"2.0","method":"bye","id":1}');
    expect(await raw.nextJson()).toEqual({ jsonrpc: '2.0', result: 'bye', id: 1 });
    expect(await raw.whenClosed(2000)).toBe(true);
    expect(await peer.join(2000)).toBe(true);
  });

  test('inside a batch: the whole batch answer is written before the connection closes', async () => {
    // "close right after this request's response is sent": in a batch that response
    // leaves with the batch's answer, which waits for the slower member.
    const { raw, peer } = closer();
    raw.send('[{"jsonrpc":"2.0","method":"slow","id":1},{"jsonrpc":"2.0","method":"bye","id":2}]');
    expectResponse(await raw.nextJson(), [
      { jsonrpc: '2.0', result: 'slow', id: 1 },
      { jsonrpc: '2.0', result: 'bye', id: 2 },
    ]);
    expect(await raw.whenClosed(2000)).toBe(true);
    expect(await peer.join(2000)).toBe(true);
  });
});
