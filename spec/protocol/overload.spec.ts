/**
 * What a flood gets now that reading never pauses while this side awaits
 * answers: requests past `maxQueuedMessages` are answered -32005 at once,
 * notifications past it close the connection with a logged reason, and the
 * answers the running handlers await still arrive.
 */
import { ErrorCodes, notification, PeerError, request, rpcRequest, RpcContext, ServerOverloaded, serviceClass } from '../../lib';
import { pair } from '../helpers/pair';
import { closeAndJoin, deferred, until } from '../helpers/wait';

@serviceClass
class Caller {
  @request title(n: number) {
    return `#${n}`;
  }
}

describe.each(['json', 'bson'] as const)('%s: overload while own requests await answers', (kind) => {
  test('requests past maxQueuedMessages answer -32005 at once; the others, which call back, all succeed', async () => {
    const gate = deferred();
    @serviceClass
    class Server {
      @rpcRequest async greet(rpc: RpcContext, n: number) {
        await gate.promise;
        return `hello ${await rpc.getPeerProxy<Caller>().title(n)}`;
      }
      @request blocker() {
        return 'x';
      }
    }
    // Serial: one runs, four wait, the rest overflow.
    const p = pair(kind, new Server(), new Caller(), { concurrentRequestHandling: false, maxQueuedMessages: 4 }, {});
    // The server awaits an answer of its own, so it may not pause reading.
    const hanging = p.a.invokeRequest('title', 0);
    const calls = Array.from({ length: 20 }, (_, i) => p.b.getPeerProxy<Server>().greet(i).then((v: string) => v, (e: Error) => e));
    await until(() => p.a.stats().runningHandlers === 1, 'the first greet to run');
    await new Promise((r) => setTimeout(r, 50));
    gate.resolve();
    const results = await Promise.all(calls);
    const ok = results.filter((r) => typeof r === 'string');
    const refused = results.filter((r) => r instanceof ServerOverloaded) as PeerError[];
    expect(ok).toEqual(['hello #0', 'hello #1', 'hello #2', 'hello #3', 'hello #4']);
    expect(refused).toHaveLength(15);
    expect(refused[0].code).toBe(ErrorCodes.ServerOverloaded);
    expect(refused[0].code).toBe(-32005);
    expect(String(refused[0].data)).toMatch(/4 requests are waiting/);
    expect(await hanging).toBe('#0');
    await p.finish();
  });

  test('notifications past maxQueuedMessages close the connection with a logged reason (nothing dropped silently)', async () => {
    const gate = deferred();
    let handled = 0;
    @serviceClass
    class Slow {
      @notification async note() {
        await gate.promise;
        handled++;
      }
    }
    @serviceClass
    class Never {
      @rpcRequest hang(rpc: RpcContext) {
        return new Promise((resolve) => rpc.signal.addEventListener('abort', resolve));
      }
    }
    const p = pair(kind, new Slow(), new Never(), { maxQueuedMessages: 3 }, {});
    const pending = p.a.invokeRequest('hang').catch((e: Error) => e);
    const closed = new Promise<string>((r) => p.a.on('close', r));
    for (let i = 0; i < 10; i++) p.b.invokeNotification('note');
    expect(await closed).toMatch(/more than 3 notifications queued/);
    expect(p.logs.warnings().some((l) => /notification queue full/.test(l.msg))).toBe(true);
    gate.resolve();
    expect(await pending).toBeInstanceOf(Error);
    expect(handled).toBeLessThanOrEqual(1);
    // Handlers still running when the connection closed finish on their own.
    await closeAndJoin(p.a);
    await closeAndJoin(p.b);
  });
});

describe.each(['json', 'bson'] as const)('%s: with nothing awaited, a flood pauses reading instead', (kind) => {
  test('requests past the limit wait unread and then all run', async () => {
    const gate = deferred();
    @serviceClass
    class Gated {
      @request async work(n: number) {
        await gate.promise;
        return n;
      }
    }
    const p = pair(kind, new Gated(), undefined, { maxConcurrentRequests: 2, maxQueuedMessages: 4 }, {});
    const calls = Array.from({ length: 40 }, (_, i) => p.b.invokeRequest('work', i));
    await until(() => p.a.stats().runningHandlers === 2, 'two handlers');
    gate.resolve();
    expect(await Promise.all(calls)).toEqual([...Array(40).keys()]);
    await p.finish();
  });
});
