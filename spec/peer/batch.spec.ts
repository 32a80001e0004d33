/**
 * JSON-RPC batches (JsonRpc only), and BsonRpc's refusal of them.
 */
import {
  BatchBuilder,
  BsonRpc,
  ConnectionClosedError,
  createDuplexPair,
  InvalidParams,
  JsonRpc,
  MethodNotFound,
  notification,
  PeerError,
  request,
  ResponseTimeout,
  rpcRequest,
  RpcContext,
  ServerError,
  serviceClass,
} from '../../lib';
import { pair } from '../helpers/pair';
import { deferred, settle, until } from '../helpers/wait';
import { tap } from '../helpers/tap';

@serviceClass
class Svc {
  logs: string[] = [];
  gate = deferred();
  running = 0;
  @request add(a: number, b: number) {
    return a + b;
  }
  @request async slowFirst(x: string) {
    this.running++;
    await this.gate.promise;
    this.running--;
    return `slow ${x}`;
  }
  @request fail() {
    throw new Error('failed in a batch');
  }
  @request teapot() {
    throw new PeerError(418, "I'm a teapot", { brew: false });
  }
  @notification log(msg: string) {
    this.logs.push(msg);
  }
  @rpcRequest async viaBatch(rpc: RpcContext, n: number) {
    return rpc.batchCall((b) => {
      b.add(n, 1);
      b.add(n, 2);
    });
  }
}

describe('json peer batches', () => {
  test('callback form: results in request order, errors as PeerError instances, notifications delivered', async () => {
    const svc = new Svc();
    const p = pair('json', undefined, svc);
    const sent = tap('json', p.sockets[1]);
    const results = (await p.a.batchCall((b) => {
      b.slowFirst('x');
      b.n.log('one');
      b.add(1, 2);
      b.fail();
      b.nope();
      b.add(1);
      b.teapot();
      b.n.log('two');
      svc.gate.resolve(); // opened while building: the slow first answer lands after the fast ones
    })) as unknown[];
    expect(results).toHaveLength(6);
    expect(results[0]).toBe('slow x');
    expect(results[1]).toBe(3);
    expect(results[2]).toBeInstanceOf(ServerError);
    expect(results[2]).toMatchObject({ code: -32000, message: 'Server error', data: 'failed in a batch' });
    expect(results[3]).toBeInstanceOf(MethodNotFound);
    expect(results[4]).toBeInstanceOf(InvalidParams);
    expect(results[5]).toBeInstanceOf(PeerError);
    expect(results[5]).toMatchObject({ code: 418, message: "I'm a teapot", data: { brew: false } });
    expect(svc.logs).toEqual(['one', 'two']);
    // One frame on the wire: an array of all eight calls.
    expect(sent).toHaveLength(1);
    expect((sent[0] as unknown[]).length).toBe(8);
    await p.finish();
  });

  test('builder form, with positional and named params', async () => {
    const svc = new Svc();
    const p = pair('json', undefined, svc);
    const batch = new BatchBuilder().request('add', [1, 2]).notification('log', ['x']).request('add', { b: 10, a: 5 }).notification('log', { msg: 'y' });
    expect(await p.a.batchCall(batch)).toEqual([3, 15]);
    await until(() => svc.logs.length === 2, 'the notifications');
    expect(svc.logs).toEqual(['x', 'y']);
    await p.finish();
  });

  test('a batch of only notifications resolves to null and is delivered', async () => {
    const svc = new Svc();
    const p = pair('json', undefined, svc);
    const answers = tap('json', p.sockets[0]);
    expect(
      await p.a.batchCall((b) => {
        b.n.log('a');
        b.n.log('b');
        b.n.nope();
      }),
    ).toBeNull();
    await until(() => svc.logs.length === 2, 'the notifications');
    expect(await p.a.invokeRequest('add', 1, 1)).toBe(2);
    expect(answers).toHaveLength(1); // only the answer to add: a notification batch is answered with nothing
    await p.finish();
  });

  test.each([
    ['a batchCall timeout', {}, { timeout: 50 }],
    ['the peer-level timeout', { timeout: 50 }, {}],
  ])('%s rejects the whole batch with ResponseTimeout naming its methods', async (_label, peerOptions, batchOptions) => {
    const svc = new Svc();
    const p = pair('json', undefined, svc, peerOptions, {});
    const err = (await p.a
      .batchCall((b) => {
        b.add(1, 2);
        b.slowFirst('y');
      }, batchOptions)
      .catch((e: unknown) => e)) as ResponseTimeout;
    expect(err).toBeInstanceOf(ResponseTimeout);
    expect(err.message).toMatch(/add, slowFirst/);
    expect(err.timeoutMs).toBe(50);
    expect(p.a.stats().pendingRequests).toBe(0);
    svc.gate.resolve();
    await until(() => svc.running === 0 && p.b.stats().runningHandlers === 0, 'the slow handler');
    await settle();
    expect(p.logs.warnings()).toEqual([]);
    await p.finish();
  });

  test('close rejects a pending batch with ConnectionClosedError', async () => {
    const svc = new Svc();
    const p = pair('json', undefined, svc);
    const batch = p.a
      .batchCall((b) => {
        b.slowFirst('z');
        b.add(1, 2);
      })
      .catch((e: unknown) => e);
    await until(() => svc.running === 1, 'the slow handler');
    p.a.close();
    expect(await batch).toBeInstanceOf(ConnectionClosedError);
    svc.gate.resolve();
    await until(() => p.b.stats().runningHandlers === 0, 'the slow handler');
    await p.finish();
  });

  test('a batch on a closed peer rejects with ConnectionClosedError', async () => {
    const p = pair('json', undefined, new Svc());
    p.a.close();
    await expect(p.a.batchCall((b) => b.add(1, 2))).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(p.a.batchCall((b) => b.n.log('x'))).rejects.toBeInstanceOf(ConnectionClosedError);
    await p.finish();
  });

  test.each([
    ['an empty callback', () => undefined],
    ['an empty builder', new BatchBuilder()],
    ['neither a callback nor a builder', 'add' as never],
  ])('%s rejects with a TypeError and sends nothing', async (_label, build) => {
    const p = pair('json', undefined, new Svc());
    const sent = tap('json', p.sockets[1]);
    await expect(p.a.batchCall(build as never)).rejects.toBeInstanceOf(TypeError);
    await settle();
    expect(sent).toEqual([]);
    await p.finish();
  });

  test('the callback form honours noArgumentsPresentation', async () => {
    const p = pair('json', undefined, new Svc(), { noArgumentsPresentation: 'emptyArray' }, {});
    const sent = tap('json', p.sockets[1]);
    await p.a.batchCall((b) => b.n.log());
    await until(() => sent.length === 1, 'the batch');
    expect(sent[0]).toEqual([{ jsonrpc: '2.0', method: 'log', params: [] }]);
    await p.finish();
  });

  test("a handler can batch back into its caller through its RpcContext", async () => {
    const p = pair('json', new Svc(), new Svc());
    expect(await p.a.invokeRequest('viaBatch', 10)).toEqual([11, 12]);
    await p.finish();
  });

  test('the batch builder proxy has inert then and symbol keys', async () => {
    const p = pair('json', undefined, new Svc());
    const results = await p.a.batchCall((b) => {
      expect(b.then).toBeUndefined();
      expect((b as unknown as Record<symbol, unknown>)[Symbol.iterator]).toBeUndefined();
      expect(b.n.then).toBeUndefined();
      b.add(2, 2);
    });
    expect(results).toEqual([4]);
    await p.finish();
  });
});

describe('BsonRpc has no batches', () => {
  test('calling batchCall from untyped code throws a TypeError saying so', () => {
    const peer = new BsonRpc(createDuplexPair()[0], new Svc());
    expect(() => (peer as unknown as JsonRpc).batchCall((b) => b.add(1, 2))).toThrow(TypeError);
    expect(() => (peer as unknown as JsonRpc).batchCall(new BatchBuilder().request('add', [1, 2]))).toThrow(/BsonRpc has no batches/);
    peer.close();
  });

  test('batchCall is not part of the BsonRpc type', () => {
    const peer = new BsonRpc(createDuplexPair()[0]);
    const hasIt = (p: BsonRpc) =>
      // @ts-expect-error BsonRpc offers no batchCall
      p.batchCall;
    expect(typeof hasIt(peer)).toBe('function');
    peer.close();
  });

  test('a BsonRpc handler calling rpc.batchCall answers ServerError naming the limitation', async () => {
    const p = pair('bson', new Svc(), new Svc());
    const err = (await p.a.invokeRequest('viaBatch', 1).catch((e: unknown) => e)) as ServerError;
    expect(err).toBeInstanceOf(ServerError);
    expect(err.data).toMatch(/no batches/);
    await p.finish();
  });
});

test('the callback form of batchCall is typed by the other side\'s service: names and arguments are checked', async () => {
  const p = pair('json', new Svc(), undefined);
  const results = await p.b.batchCall<Svc>((b) => {
    b.add(1, 2);
    b.n.log('typed');
    // @ts-expect-error add takes numbers
    b.add('1', 2);
    // @ts-expect-error no such method on Svc
    b.nope();
  }).catch((e: Error) => e);
  // The two lines the compiler refuses still run untyped: the batch holds both, and answers each.
  expect(Array.isArray(results) && results[0]).toBe(3);
  await p.finish();
});
