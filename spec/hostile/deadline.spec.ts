/**
 * Hostile input to deadlines (the request member `"timeout"`, see
 * lib/protocol/deadline.ts): malformed budgets, floods of budgets that all
 * run out at once, budgets that race the handler's own answer, and a close
 * with thousands of clocks running. Each request is answered exactly once,
 * and nothing (handler slot, live call, timer) is left behind.
 */
import { rpcRequest, RpcContext, serviceClass } from '../../lib';
import { Long } from 'bson';
import { logSink } from '../helpers/log-sink';
import { PeerKind } from '../helpers/pair';
import { watchClocks } from '../helpers/clocks';
import { messageServer } from '../helpers/raw';
import { closeAndJoin, until } from '../helpers/wait';

/** `hold` waits for its signal (or 10 s); `now` answers at once; both count their runs. */
@serviceClass
class Targets {
  runs = 0;
  @rpcRequest async hold(rpc: RpcContext): Promise<string> {
    this.runs++;
    await new Promise((resolve) => {
      const t = setTimeout(resolve, 10_000);
      rpc.signal.addEventListener('abort', () => resolve(clearTimeout(t)), { once: true });
    });
    return 'held';
  }
  @rpcRequest now(): string {
    this.runs++;
    return 'now';
  }
}

describe.each<PeerKind>(['json', 'bson'])('%s: hostile "timeout" members', (kind) => {
  const key = kind === 'json' ? 'jsonrpc' : 'bsonrpc';

  test('a budget that is not a number of ms is ignored: the request is served as if it had none', async () => {
    const targets = new Targets();
    const logs = logSink();
    const { raw, peer } = messageServer(kind, targets, { logger: logs.logger });
    const bad: unknown[] = ['100', -5, 2 ** 31, 1e308, null, true, { ms: 1 }, [1]];
    if (kind === 'bson') bad.push(NaN, -Infinity, Long.fromString('9223372036854775807'));
    bad.forEach((timeout, i) => raw.send({ [key]: '2.0', method: 'now', id: i + 1, timeout }));
    const answers = await raw.readMessages(bad.length);
    expect(answers.map((a) => [a.id, a.result])).toEqual(bad.map((_, i) => [i + 1, 'now']));
    expect(logs.warnings()).toEqual([]);
    await closeAndJoin(peer);
  });

  test('5,000 requests whose budgets run out together: each answered -32800 once; no slot, live call or clock left', async () => {
    const targets = new Targets();
    const { raw, peer } = messageServer(kind, targets, { logger: logSink().logger });
    const clocks = watchClocks();
    const n = 5000;
    for (let i = 1; i <= n; i++) raw.send({ [key]: '2.0', method: 'hold', id: i, timeout: 1 + (i % 5) });
    const answers = await raw.readMessages(n, 10_000);
    expect(new Set(answers.map((a) => a.id)).size).toBe(n);
    expect(answers.every((a) => a.error?.code === -32800)).toBe(true);
    await until(() => peer.stats().runningHandlers === 0, 'every handler to see its signal', 5000);
    expect(await raw.end.quiet(30)).toEqual([]);
    clocks.restore();
    expect(clocks.calls).toHaveLength(n);
    expect(clocks.running()).toBe(0);
    await closeAndJoin(peer);
  });

  test('budgets racing the answer (1 ms, handlers that answer at once): exactly one answer per request', async () => {
    const targets = new Targets();
    const { raw, peer } = messageServer(kind, targets, { logger: logSink().logger });
    const n = 3000;
    for (let i = 1; i <= n; i++) raw.send({ [key]: '2.0', method: i % 2 ? 'now' : 'hold', id: i, timeout: i % 3 });
    const answers = await raw.readMessages(n, 10_000);
    expect(new Set(answers.map((a) => a.id)).size).toBe(n);
    for (const a of answers) expect(a.result === 'now' || a.error?.code === -32800).toBe(true);
    // A budget of 0 never runs its handler.
    expect(answers.filter((a) => a.id % 3 === 0).every((a) => a.error?.code === -32800)).toBe(true);
    await until(() => peer.stats().runningHandlers === 0, 'the handlers to finish', 5000);
    expect(await raw.end.quiet(30)).toEqual([]);
    await closeAndJoin(peer);
  });

  test('closing with 3,000 long budgets running or queued stops every clock', async () => {
    const targets = new Targets();
    const { raw, peer } = messageServer(kind, targets, { logger: logSink().logger, maxConcurrentRequests: 100 });
    const clocks = watchClocks();
    for (let i = 1; i <= 3000; i++) raw.send({ [key]: '2.0', method: 'hold', id: i, timeout: 600_000 });
    await until(() => clocks.calls.length === 3000, 'every request to arrive', 5000);
    clocks.restore();
    expect(peer.stats().runningHandlers).toBe(100);
    expect(clocks.running()).toBe(3000);
    await closeAndJoin(peer);
    expect(clocks.running()).toBe(0);
    expect(targets.runs).toBe(100);
  });
});
