/**
 * Peers over the whole-message path of the transport seam (the one that
 * WebSocket and browser transports take): no framing, one message per
 * message, text for JSON and bytes for BSON.
 */
import {
  BsonRpc,
  createTransportPair,
  currentContext,
  JsonRpc,
  MethodNotFound,
  notification,
  ParseError,
  Payload,
  request,
  rpcRequest,
  RpcContext,
  serviceClass,
  Transport,
  TransportReceiver,
} from '../../lib';
import { logSink } from '../helpers/log-sink';
import { closeAndJoin, deferred, until } from '../helpers/wait';

@serviceClass
class Svc {
  notes: string[] = [];
  @request add(a: number, b: number) {
    return a + b;
  }
  /** Declared `unknown`: no design-type check, so strings and numbers join. */
  @request join(a: unknown, b: unknown) {
    return `${String(a)}${String(b)}`;
  }
  @rpcRequest async callBack(rpc: RpcContext, name: string) {
    return `hi ${await rpc.getPeerProxy().title(name)}`;
  }
  @notification note(s: string) {
    this.notes.push(s);
  }
  @request bytes(b: Buffer) {
    return Buffer.concat([b, Buffer.from([9])]);
  }
}

@serviceClass
class Client {
  @request title(name: string) {
    return `dear ${name}`;
  }
}

/** Records every payload crossing one end, in both directions. */
function tapped(t: Transport): { transport: Transport; sent: Payload[]; received: Payload[] } {
  const sent: Payload[] = [];
  const received: Payload[] = [];
  const transport: Transport = {
    start: (r: TransportReceiver) =>
      t.start({ ...r, onMessage: (p) => (received.push(p), r.onMessage(p)), onDrain: () => r.onDrain(), onError: (e, w) => r.onError(e, w), onClose: (why) => r.onClose(why) }),
    send: (p) => (sent.push(p), t.send(p)),
    get bufferedAmount() {
      return t.bufferedAmount;
    },
    pause: () => t.pause?.(),
    resume: () => t.resume?.(),
    close: () => t.close(),
    abort: (why) => t.abort(why),
  };
  return { transport, sent, received };
}

describe.each([
  ['json', JsonRpc],
  ['bson', BsonRpc],
] as const)('%s over a message pair', (kind, Peer) => {
  test('calls both ways, callbacks, notifications; one message per send, strings for JSON and bytes for BSON', async () => {
    const [x, y] = createTransportPair();
    const t = tapped(x);
    const svc = new Svc();
    const server = new Peer(t.transport, svc, { logger: logSink().logger });
    const client = new Peer(y, new Client(), { logger: logSink().logger });
    const proxy = client.getPeerProxy<Svc>();
    expect(await proxy.add(2, 3)).toBe(5);
    expect(await proxy.callBack('Ada')).toBe('hi dear Ada');
    proxy.n.note('n1');
    await until(() => svc.notes.length === 1, 'the notification');
    if (kind === 'bson') expect(Buffer.from((await proxy.bytes(Buffer.from([1, 2]))) as Buffer)).toEqual(Buffer.from([1, 2, 9]));
    const expected = kind === 'json' ? 'string' : 'object';
    expect(t.sent.every((p) => typeof p === expected)).toBe(true);
    expect(t.received.every((p) => typeof p === expected)).toBe(true);
    if (kind === 'json') expect(JSON.parse(t.received[0] as string)).toEqual({ jsonrpc: '2.0', method: 'add', params: [2, 3], id: 1 });
    expect(server.transport).toBe(t.transport);
    await closeAndJoin(client);
    await until(() => server.isClosed, 'the server to see the close');
  });

  test('close() on one side rejects the other side\'s pending calls and closes it', async () => {
    const [x, y] = createTransportPair();
    const gate = deferred();
    @serviceClass
    class Hang {
      @request async wait() {
        await gate.promise;
        return 1;
      }
    }
    const server = new Peer(x, new Hang(), { logger: logSink().logger });
    const client = new Peer(y, null, { logger: logSink().logger });
    const call = client.invokeRequest('wait');
    await until(() => server.stats().runningHandlers === 1, 'the handler');
    server.close();
    await expect(call).rejects.toThrow(/connection closed/);
    expect(client.isClosed).toBe(true);
    gate.resolve();
    expect(await server.join(1000)).toBe(true);
  });
});

describe('JSON text messages over a message pair', () => {
  test('a text that is not JSON answers -32700 and the connection stays open; unknown methods -32601', async () => {
    const [x, y] = createTransportPair();
    const server = new JsonRpc(x, new Svc(), { logger: logSink().logger });
    const replies: string[] = [];
    y.start({ onMessage: (p) => void replies.push(String(p)), onDrain: () => undefined, onError: () => undefined, onClose: () => undefined });
    y.send('{not json');
    y.send('{"jsonrpc":"2.0","method":"nope","id":2}');
    y.send('[{"jsonrpc":"2.0","method":"add","params":[1,2],"id":3}]');
    await until(() => replies.length === 3, 'three answers');
    expect(JSON.parse(replies[0]).error.code).toBe(new ParseError().code);
    expect(JSON.parse(replies[1]).error.code).toBe(new MethodNotFound().code);
    expect(JSON.parse(replies[2])).toEqual([{ jsonrpc: '2.0', result: 3, id: 3 }]);
    expect(server.isClosed).toBe(false);
    server.close();
  });

  test('a text nested deeper than maxNestingDepth is refused before parsing', async () => {
    const [x, y] = createTransportPair();
    const server = new JsonRpc(x, new Svc(), { logger: logSink().logger, maxNestingDepth: 8 });
    const replies: string[] = [];
    y.start({ onMessage: (p) => void replies.push(String(p)), onDrain: () => undefined, onError: () => undefined, onClose: () => undefined });
    y.send(`{"jsonrpc":"2.0","method":"add","params":[${'['.repeat(20)}${']'.repeat(20)}, "a\\"[[[[[[[[[[[["],"id":1}`);
    y.send(`{"jsonrpc":"2.0","method":"join","params":[1, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["],"id":2}`);
    await until(() => replies.length === 2, 'two answers');
    expect(JSON.parse(replies[0]).error).toMatchObject({ code: -32700, data: 'nesting deeper than 8' });
    expect(JSON.parse(replies[1]).result).toBe('1[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[');
    server.close();
  });

  test('a binary message to a BsonRpc that is not BSON closes it with a logged reason', async () => {
    const [x, y] = createTransportPair();
    const logs = logSink();
    const server = new BsonRpc(x, new Svc(), { logger: logs.logger });
    y.start({ onMessage: () => undefined, onDrain: () => undefined, onError: () => undefined, onClose: () => undefined });
    const closed = new Promise<string>((r) => server.on('close', r));
    y.send('{"text":"to a bson peer"}');
    expect(await closed).toMatch(/unreadable input/);
    expect(logs.warnings().some((l) => /closing the connection/.test(l.msg))).toBe(true);
  });
});

describe('currentContext()', () => {
  test('gives a plain handler its call (method, id, params, signal) during its synchronous part only', async () => {
    const seen: unknown[] = [];
    let signal: AbortSignal | undefined;
    const gate = deferred();
    @serviceClass
    class Plain {
      @request async work(n: number) {
        const ctx = currentContext()!;
        seen.push([ctx.method, ctx.id, ctx.params, ctx.kind]);
        signal = ctx.signal;
        await gate.promise;
        seen.push(currentContext());
        return n;
      }
    }
    const [x, y] = createTransportPair();
    const server = new JsonRpc(x, new Plain(), { logger: logSink().logger });
    const client = new JsonRpc(y, null, { logger: logSink().logger });
    const call = client.invokeRequest('work', 5).catch((e: Error) => e);
    await until(() => signal !== undefined, 'the handler to start');
    expect(seen).toEqual([['work', 1, [5], 'request']]);
    expect(currentContext()).toBeUndefined();
    expect(signal!.aborted).toBe(false);
    client.close();
    await until(() => signal!.aborted, 'the call signal to abort on close');
    expect(String(signal!.reason)).toMatch(/connection closed/);
    gate.resolve();
    await call;
    expect(await server.join(1000)).toBe(true);
    expect(seen[1]).toBeUndefined();
  });

  test('a signal kept by a handler that already returned still aborts when the connection closes', async () => {
    let kept: AbortSignal | undefined;
    @serviceClass
    class Subscribe {
      @rpcRequest subscribe(rpc: RpcContext) {
        kept = rpc.signal;
        return 'ok';
      }
    }
    const [x, y] = createTransportPair();
    const server = new JsonRpc(x, new Subscribe(), { logger: logSink().logger });
    const client = new JsonRpc(y, null, { logger: logSink().logger });
    expect(await client.invokeRequest('subscribe')).toBe('ok');
    expect(kept!.aborted).toBe(false);
    client.close();
    await until(() => kept!.aborted, 'the kept signal to abort');
    expect(String(kept!.reason)).toMatch(/connection closed/);
    expect(await server.join(1000)).toBe(true);
  });
});
