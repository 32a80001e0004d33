/**
 * Bidirectional calls and RpcContext: the Python bsonrpc README example,
 * abort(), closeAfterResponse(), clientInfo, signal, method and id.
 */
import { once } from 'node:events';
import {
  ConnectionClosedError,
  notification,
  request,
  ResponseTimeout,
  rpcNotification,
  rpcRequest,
  RpcContext,
  ServerError,
  serviceClass,
} from '../../lib';
import { pair } from '../helpers/pair';
import { deferred, settle, until } from '../helpers/wait';

/** The server of Python bsonrpc's README. */
@serviceClass
class ServerServices {
  @request swapper(txt: string) {
    return [...txt].reverse().join('');
  }
  @rpcRequest async longProcess(rpc: RpcContext, a: number, b: number, c: number) {
    rpc.invokeNotification('reportProgress', 'Stage 1');
    const client = rpc.getPeerProxy();
    client.n.reportProgress('Stage 2');
    const swapped = await client.swapper('TestinG');
    return [a * b * c, swapped];
  }
}

@serviceClass
class ClientServices {
  events: string[] = [];
  @request swapper(txt: string) {
    this.events.push(`swapper:${txt}`);
    return [...txt].reverse().join('');
  }
  @notification reportProgress(msg: string) {
    this.events.push(`progress:${msg}`);
  }
  gate = deferred();
  @request async slowAnswer() {
    await this.gate.promise;
    return 'late';
  }
}

describe.each(['json', 'bson'] as const)('%s peer, bidirectional', (kind) => {
  test('the README example: progress notifications and a callback before the answer', async () => {
    const client = new ClientServices();
    const p = pair(kind, client, new ServerServices());
    expect(await p.a.invokeRequest('longProcess', 2, 3, 4)).toEqual([24, 'GnitseT']);
    expect(client.events).toEqual(['progress:Stage 1', 'progress:Stage 2', 'swapper:TestinG']);
    expect(await p.a.getPeerProxy().swapper('abc')).toBe('cba');
    await p.finish();
  });

  test('the README example, both sides calling at once, many times', async () => {
    const client = new ClientServices();
    const p = pair(kind, client, new ServerServices());
    const calls = Array.from({ length: 20 }, (_, i) => p.a.invokeRequest('longProcess', i, 1, 1));
    const back = Array.from({ length: 20 }, (_, i) => p.b.invokeRequest('swapper', `x${i}`));
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, (_, i) => [i, 'GnitseT']));
    expect(await Promise.all(back)).toEqual(Array.from({ length: 20 }, (_, i) => [...`x${i}`].reverse().join('')));
    await p.finish();
  });

  test('callbacks nest: a → b → a → b …', async () => {
    @serviceClass
    class Bouncer {
      @rpcRequest async bounce(rpc: RpcContext, n: number): Promise<unknown> {
        return n === 0 ? 'bottom' : [n, await rpc.invokeRequest('bounce', n - 1)];
      }
    }
    const p = pair(kind, new Bouncer(), new Bouncer());
    expect(await p.a.invokeRequest('bounce', 5)).toEqual([5, [4, [3, [2, [1, 'bottom']]]]]);
    await p.finish();
  });

  test('an @rpcNotification handler can call back into the sender', async () => {
    const client = new ClientServices();
    @serviceClass
    class Server {
      @rpcNotification async ping(rpc: RpcContext, txt: string) {
        const swapped = await rpc.invokeRequest('swapper', txt);
        rpc.invokeNotification('reportProgress', `${String(rpc.id)}:${rpc.method}:${String(swapped)}`);
      }
    }
    const p = pair(kind, client, new Server());
    p.a.invokeNotification('ping', 'abc');
    await until(() => client.events.length === 2, 'the callback and the report');
    expect(client.events).toEqual(['swapper:abc', 'progress:undefined:ping:cba']);
    await p.finish();
  });

  test('rpc.method is the wire name and rpc.id the request id', async () => {
    @serviceClass
    class Info {
      @rpcRequest('ctx.info') info(rpc: RpcContext) {
        return { method: rpc.method, id: rpc.id };
      }
    }
    let n = 0;
    const p = pair(kind, undefined, new Info(), { idGenerator: () => `id-${++n}` }, {});
    expect(await p.a.invokeRequest('ctx.info')).toEqual({ method: 'ctx.info', id: 'id-1' });
    await p.finish();
  });

  test('a handler whose callback times out answers ServerError carrying the timeout message', async () => {
    @serviceClass
    class Impatient {
      @rpcRequest async ask(rpc: RpcContext) {
        return rpc.sendRequest('slowAnswer', [], { timeout: 50 });
      }
    }
    const client = new ClientServices();
    const p = pair(kind, client, new Impatient());
    const err = (await p.a.invokeRequest('ask').catch((e: unknown) => e)) as ServerError;
    expect(err).toBeInstanceOf(ServerError);
    expect(err.data).toBe(new ResponseTimeout('slowAnswer', 50, 'b').message);
    // The late answer from a reaches b after its timeout and is dropped quietly.
    client.gate.resolve();
    await until(() => p.a.stats().runningHandlers === 0, "a's slow handler");
    await settle();
    // The handler's failure is worth a warning; the late answer is not.
    expect(p.logs.warnings().map((l) => [l.connectionId, l.method, l.msg])).toEqual([['b', 'ask', 'request handler failed']]);
    await p.finish();
  });

  describe('abort()', () => {
    test.each([
      ['sync', false],
      ['async', true],
    ])('in a %s handler: the connection closes, the result is discarded, the caller gets ConnectionClosedError', async (_label, async) => {
      let answered = false;
      @serviceClass
      class Aborter {
        @rpcRequest quit(rpc: RpcContext) {
          const go = () => {
            rpc.abort();
            answered = true;
            return 42;
          };
          return async ? Promise.resolve().then(go) : go();
        }
      }
      const p = pair(kind, undefined, new Aborter());
      const bClosed = once(p.b, 'close');
      await expect(p.a.invokeRequest('quit')).rejects.toBeInstanceOf(ConnectionClosedError);
      await bClosed;
      expect(answered).toBe(true);
      expect([p.a.isClosed, p.b.isClosed]).toEqual([true, true]);
      await p.finish();
    });
  });

  describe('closeAfterResponse()', () => {
    test.each([
      ['a result', false, 'bye'],
      ['an error', true, ServerError],
    ] as const)('%s arrives, then the connection closes', async (_label, fail, expected) => {
      @serviceClass
      class Leaver {
        @rpcRequest async leave(rpc: RpcContext) {
          rpc.closeAfterResponse();
          await new Promise((r) => setImmediate(r));
          if (fail) throw new Error('leaving badly');
          return 'bye';
        }
      }
      const p = pair(kind, undefined, new Leaver());
      const aClosed = once(p.a, 'close');
      const outcome = await p.a.invokeRequest('leave').then(
        (v) => v,
        (e: unknown) => e,
      );
      if (typeof expected === 'string') expect(outcome).toBe(expected);
      else expect(outcome).toBeInstanceOf(expected);
      await aClosed;
      expect([p.a.isClosed, p.b.isClosed]).toEqual([true, true]);
      await expect(p.a.invokeRequest('leave')).rejects.toBeInstanceOf(ConnectionClosedError);
      await p.finish();
    });

    test('other requests in flight still get their answers before the close', async () => {
      const gate = deferred();
      @serviceClass
      class Leaver {
        @rpcRequest async leave(rpc: RpcContext) {
          await gate.promise;
          rpc.closeAfterResponse();
          return 'bye';
        }
        @request quick() {
          return 'quick';
        }
      }
      const p = pair(kind, undefined, new Leaver());
      const leave = p.a.invokeRequest('leave');
      expect(await p.a.invokeRequest('quick')).toBe('quick');
      gate.resolve();
      expect(await leave).toBe('bye');
      await once(p.a, 'close');
      await p.finish();
    });
  });

  test('clientInfo is the option given to the peer, the same object', async () => {
    const info = { user: 'ann', roles: ['admin'] };
    @serviceClass
    class Who {
      @rpcRequest who(rpc: RpcContext) {
        return { info: rpc.clientInfo, same: rpc.clientInfo === info };
      }
    }
    const p = pair(kind, new Who(), new Who(), {}, { clientInfo: info });
    expect(await p.a.invokeRequest('who')).toEqual({ info, same: true });
    expect(await p.b.invokeRequest('who')).toEqual({ same: false });
    expect(p.b.clientInfo).toBe(info);
    expect(p.a.clientInfo).toBeUndefined();
    await p.finish();
  });

  test('rpc.signal aborts when the connection closes; join waits for the handler to return', async () => {
    const release = deferred();
    const seen: unknown[] = [];
    @serviceClass
    class Waiter {
      @rpcRequest async wait(rpc: RpcContext) {
        seen.push(rpc.signal.aborted);
        await new Promise((resolve) => rpc.signal.addEventListener('abort', resolve, { once: true }));
        seen.push(rpc.signal.reason);
        await release.promise;
        return 'never sent';
      }
    }
    const p = pair(kind, undefined, new Waiter());
    const call = p.a.invokeRequest('wait').catch((e: unknown) => e);
    await until(() => seen.length === 1, 'the handler to start');
    expect(seen).toEqual([false]);
    p.a.close();
    expect(await call).toBeInstanceOf(ConnectionClosedError);
    await until(() => seen.length === 2, 'the handler to see the abort');
    expect(seen[1]).toBeInstanceOf(ConnectionClosedError);
    expect(p.b.isClosed).toBe(true);
    expect(await p.b.join(30)).toBe(false);
    release.resolve();
    expect(await p.b.join(1000)).toBe(true);
    await p.finish();
  });

  test('a context kept after the connection closed rejects calls with ConnectionClosedError', async () => {
    let kept: RpcContext | undefined;
    @serviceClass
    class Keeper {
      @rpcRequest keep(rpc: RpcContext) {
        kept = rpc;
        return 'kept';
      }
    }
    const p = pair(kind, new ClientServices(), new Keeper());
    expect(await p.a.invokeRequest('keep')).toBe('kept');
    p.a.close();
    await once(p.b, 'close');
    await expect(kept!.invokeRequest('swapper', 'x')).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(kept!.getPeerProxy().swapper('x')).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(() => kept!.invokeNotification('reportProgress', 'x')).toThrow(ConnectionClosedError);
    expect(kept!.signal.aborted).toBe(true);
    await p.finish();
  });
});
