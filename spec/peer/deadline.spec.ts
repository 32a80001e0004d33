/**
 * Deadlines that travel (lib/protocol/deadline.ts): with `sendDeadline`, a
 * request carries the caller's remaining budget as `"timeout"`; the handling
 * side cancels the call when it runs out, even when the `$/cancelRequest`
 * never arrives; a handler's own calls through its context inherit what is
 * left.
 */
import { createDuplexPair, JsonRpc, RequestCancelled, ResponseTimeout, rpcRequest, RpcContext, serviceClass } from '../../lib';
import { DEADLINE_PASSED } from '../../lib/protocol/deadline';
import { watchClocks } from '../helpers/clocks';
import { logSink } from '../helpers/log-sink';
import { pair, PeerKind } from '../helpers/pair';
import { messageServer as rawServer } from '../helpers/raw';
import { closeAndJoin, sleep, until } from '../helpers/wait';

const quiet = () => ({ logger: logSink().logger });

/** Waits for its signal and records why it aborted; `fast` answers at once. */
@serviceClass
class Waiter {
  reasons: unknown[] = [];
  budgets: (number | undefined)[] = [];
  @rpcRequest async wait(rpc: RpcContext): Promise<string> {
    const started = performance.now();
    await new Promise((resolve) => rpc.signal.addEventListener('abort', resolve, { once: true }));
    this.reasons.push(rpc.signal.reason);
    this.budgets.push(performance.now() - started);
    return 'late';
  }
  @rpcRequest fast(): string {
    return 'ok';
  }
}

describe.each<PeerKind>(['json', 'bson'])('%s: deadlines that travel', (kind) => {
  test('the request carries "timeout" only with sendDeadline and a timeout; whole ms, rounded up', async () => {
    const { raw, peer } = rawServer(kind, null, { sendDeadline: true, ...quiet() });
    void peer.sendRequest('a', [], { timeout: 1500.2 }).catch(() => undefined);
    void peer.sendRequest('b', []).catch(() => undefined);
    const [a, b] = await raw.readMessages(2);
    expect(a).toMatchObject({ method: 'a', timeout: 1501 });
    expect(b).not.toHaveProperty('timeout');
    peer.close();
  });

  test('off by default: no member, even with a timeout', async () => {
    const { raw, peer } = rawServer(kind, null, quiet());
    void peer.sendRequest('a', [], { timeout: 1000 }).catch(() => undefined);
    const [a] = await raw.readMessages(1);
    expect(a).not.toHaveProperty('timeout');
    peer.close();
  });

  test('the handler is cancelled at the caller\'s deadline although no $/cancelRequest is sent', async () => {
    const waiter = new Waiter();
    const p = pair(kind, undefined, waiter, { sendDeadline: true, sendCancel: false, ...quiet() }, quiet());
    await expect(p.a.sendRequest('wait', [], { timeout: 60 })).rejects.toBeInstanceOf(ResponseTimeout);
    await until(() => waiter.reasons.length === 1, 'the handler to be cancelled by its deadline');
    expect(waiter.reasons[0]).toBeInstanceOf(RequestCancelled);
    expect((waiter.reasons[0] as RequestCancelled).data).toBe(DEADLINE_PASSED);
    // Not at once: the clock ran (60 ms from arrival, less whatever the handler waited for its slot).
    expect(waiter.budgets[0]).toBeGreaterThanOrEqual(30);
    await until(() => p.b.stats().runningHandlers === 0, 'the handler to finish');
    await p.finish();
  });

  test('a call that answers in time stops its clock', async () => {
    const p = pair(kind, undefined, new Waiter(), { sendDeadline: true, ...quiet() }, quiet());
    const clocks = watchClocks();
    try {
      for (let i = 0; i < 200; i++) await expect(p.a.sendRequest('fast', [], { timeout: 60_000 })).resolves.toBe('ok');
    } finally {
      clocks.restore();
    }
    expect(clocks.calls).toHaveLength(200);
    expect(clocks.running()).toBe(0);
    await p.finish();
  });

  test('a handler\'s calls through its context inherit the rest of the budget and carry it on', async () => {
    const outcomes: unknown[] = [];
    @serviceClass
    class Middle {
      @rpcRequest async outer(rpc: RpcContext): Promise<string> {
        // No timeout of its own: only the inherited budget can end this call.
        outcomes.push(await rpc.sendRequest('inner', []).then(() => 'answered', (e: unknown) => e));
        return 'done';
      }
    }
    const { raw, peer } = rawServer(kind, new Middle(), { sendDeadline: true, ...quiet() });
    raw.send({ [kind === 'json' ? 'jsonrpc' : 'bsonrpc']: '2.0', method: 'outer', id: 1, timeout: 300 });
    const [callback] = await raw.readMessages(1);
    expect((callback as { method: string }).method).toBe('inner');
    const budget = (callback as { timeout: number }).timeout;
    expect(budget).toBeGreaterThan(0);
    expect(budget).toBeLessThanOrEqual(300);
    // Never answer the callback: the outer deadline passes, the outer call is answered -32800,
    // and the inner call rejects with ResponseTimeout when the inherited budget runs out.
    const answers = await raw.readMessages(1, 3000);
    expect(answers[0]).toMatchObject({ id: 1, error: { code: -32800 } });
    await until(() => outcomes.length === 1, 'the inner call to give up');
    expect(outcomes[0]).toBeInstanceOf(ResponseTimeout);
    await closeAndJoin(peer);
  });

  test('a budget of 0 is answered -32800 at once and the handler never runs; a queued call past its deadline never runs', async () => {
    let ran = 0;
    @serviceClass
    class Counted {
      @rpcRequest async slow(rpc: RpcContext): Promise<number> {
        ran++;
        await sleep(120);
        return rpc.id as number;
      }
    }
    const key = kind === 'json' ? 'jsonrpc' : 'bsonrpc';
    const { raw, peer } = rawServer(kind, new Counted(), { concurrentRequestHandling: false, ...quiet() });
    raw.send({ [key]: '2.0', method: 'slow', id: 1, timeout: 0 });
    expect((await raw.readMessages(1))[0]).toMatchObject({ id: 1, error: { code: -32800, message: 'Request cancelled' } });
    expect(ran).toBe(0);
    // Serial: 2 runs for 120 ms, 3 waits behind it with 30 ms and is cancelled while queued.
    raw.send({ [key]: '2.0', method: 'slow', id: 2 });
    raw.send({ [key]: '2.0', method: 'slow', id: 3, timeout: 30 });
    const answers = await raw.readMessages(2, 3000);
    expect(answers).toEqual([expect.objectContaining({ id: 3, error: expect.objectContaining({ code: -32800 }) }), expect.objectContaining({ id: 2, result: 2 })]);
    await sleep(20);
    expect(ran).toBe(1);
    await closeAndJoin(peer);
  });
});

test('JsonRpc over a duplex pair: a nested call after the deadline passed rejects at once and sends nothing', async () => {
  const outcomes: unknown[] = [];
  @serviceClass
  class Late {
    @rpcRequest async outer(rpc: RpcContext): Promise<void> {
      await new Promise((resolve) => rpc.signal.addEventListener('abort', resolve, { once: true }));
      outcomes.push(await rpc.sendRequest('anything', []).then(() => 'answered', (e: unknown) => e));
    }
  }
  const [a, b] = createDuplexPair();
  const client = new JsonRpc(a, null, { sendDeadline: true, sendCancel: false, ...quiet() });
  const server = new JsonRpc(b, new Late(), quiet());
  let requestsSeen = 0;
  client.use((_call, next) => (requestsSeen++, next()));
  await expect(client.sendRequest('outer', [], { timeout: 40 })).rejects.toBeInstanceOf(ResponseTimeout);
  await until(() => outcomes.length === 1, 'the nested call to reject');
  expect(outcomes[0]).toBeInstanceOf(ResponseTimeout);
  expect((outcomes[0] as ResponseTimeout).timeoutMs).toBe(0);
  await sleep(20);
  expect(requestsSeen).toBe(0);
  await closeAndJoin(client);
  await closeAndJoin(server);
});
