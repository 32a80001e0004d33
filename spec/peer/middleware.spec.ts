/**
 * Middleware with use(): onion order, what `call` carries, replacing
 * results, refusing with a PeerError, and the odd ones (never calls next,
 * calls it twice, throws a non-PeerError), on a peer and on a server.
 */
import {
  connect,
  currentContext,
  InvalidParams,
  JsonRpc,
  listen,
  notification,
  PeerError,
  request,
  RpcContext,
  ServerError,
  serviceClass,
  UnspecifiedPeerError,
} from '../../lib';
import pino from 'pino';
import { logSink } from '../helpers/log-sink';
import { pair } from '../helpers/pair';
import { settle, until } from '../helpers/wait';

@serviceClass
class Svc {
  notes: string[] = [];
  @request add(a: number, b: number) {
    return a + b;
  }
  @request whoami() {
    return String(currentContext()?.method);
  }
  @request fail() {
    throw new InvalidParams('no', { why: 'because' });
  }
  @request('admin.reset') reset() {
    return 'reset';
  }
  @notification note(s: string) {
    this.notes.push(s);
  }
}

describe.each(['json', 'bson'] as const)('%s peer middleware', (kind) => {
  test('onion order: the first use() is outermost; call carries method, params, kind, clientInfo, signal', async () => {
    const p = pair(kind, new Svc(), undefined, { clientInfo: { user: 'ada' } }, {});
    const order: string[] = [];
    const seen: unknown[] = [];
    p.a.use(async (call, next) => {
      order.push('outer in');
      seen.push([call.method, call.params, call.kind, call.clientInfo, call.signal instanceof AbortSignal, call instanceof RpcContext]);
      const r = await next();
      order.push('outer out');
      return r;
    });
    p.a.use(async (_call, next) => {
      order.push('inner in');
      const r = await next();
      order.push('inner out');
      return r;
    });
    expect(await p.b.invokeRequest('add', 2, 3)).toBe(5);
    expect(order).toEqual(['outer in', 'inner in', 'inner out', 'outer out']);
    expect(seen).toEqual([['add', [2, 3], 'request', { user: 'ada' }, true, true]]);
    await p.finish();
  });

  test('replaces results, times them, and the handler still sees currentContext() after awaits in middleware', async () => {
    const p = pair(kind, new Svc(), undefined);
    p.a.use(async (_call, next) => {
      await new Promise((r) => setTimeout(r, 1));
      return next();
    });
    p.a.use(async (call, next) => (call.method === 'add' ? `sum=${String(await next())}` : next()));
    expect(await p.b.invokeRequest('add', 1, 1)).toBe('sum=2');
    expect(await p.b.invokeRequest('whoami')).toBe('whoami');
    await p.finish();
  });

  test('authorisation: a PeerError answers with its code; other throws are -32000; handler errors pass through', async () => {
    const p = pair(kind, new Svc(), undefined, { clientInfo: { role: 'guest' } }, {});
    p.a.use((call, next) => {
      if (call.method.startsWith('admin.') && (call.clientInfo as { role: string }).role !== 'admin') throw new PeerError(-32001, 'Unauthorised', { method: call.method });
      if (call.method === 'add' && (call.params as number[])[0] === 13) throw new Error('unlucky');
      return next();
    });
    const denied = (await p.b.invokeRequest('admin.reset').catch((e) => e)) as PeerError;
    expect(denied).toBeInstanceOf(UnspecifiedPeerError);
    expect([denied.code, denied.message, denied.data]).toEqual([-32001, 'Unauthorised', { method: 'admin.reset' }]);
    const thrown = (await p.b.invokeRequest('add', 13, 1).catch((e) => e)) as PeerError;
    expect(thrown).toBeInstanceOf(ServerError);
    expect(thrown.data).toBe('unlucky');
    await expect(p.b.invokeRequest('fail')).rejects.toBeInstanceOf(InvalidParams);
    expect(await p.b.invokeRequest('add', 1, 2)).toBe(3);
    await p.finish();
  });

  test('never calling next answers with its own value; calling next twice rejects the second call and runs the handler once', async () => {
    let runs = 0;
    @serviceClass
    class Count {
      @request count() {
        return ++runs;
      }
    }
    const p = pair(kind, new Count(), undefined);
    const remove = p.a.use(async (call, next) => {
      if (call.params && (call.params as unknown[])[0] === 'short') return 'short-circuit';
      const first = await next();
      const second = await next().then(
        () => 'ran twice',
        (e: Error) => e.message,
      );
      return [first, second];
    });
    expect(await p.b.invokeRequest('count', 'short')).toBe('short-circuit');
    expect(runs).toBe(0);
    expect(await p.b.invokeRequest('count')).toEqual([1, 'next() called more than once by middleware #1 for "count"']);
    expect(runs).toBe(1);
    remove.dispose();
    expect(await p.b.invokeRequest('count')).toBe(2);
    await p.finish();
  });

  test('notifications go through middleware too; what they throw is logged, never answered', async () => {
    const svc = new Svc();
    const p = pair(kind, svc, undefined);
    const kinds: string[] = [];
    p.a.use((call, next) => {
      kinds.push(call.kind);
      if ((call.params as string[])[0] === 'bad') throw new Error('refused');
      return next();
    });
    p.b.invokeNotification('note', 'bad');
    p.b.invokeNotification('note', 'good');
    await until(() => svc.notes.length === 1, 'the good note');
    expect(svc.notes).toEqual(['good']);
    expect(kinds).toEqual(['notification', 'notification']);
    expect(p.logs.warnings().map((l) => l.msg)).toEqual(['notification handler failed']);
    await p.finish();
  });

  test('a middleware that never settles holds only its own call: the caller timeout frees the caller, a cancel reaches call.signal', async () => {
    const p = pair(kind, new Svc(), undefined);
    let aborted: unknown;
    p.a.use((call, next) => (call.method === 'add' ? new Promise((resolve) => call.signal.addEventListener('abort', () => ((aborted = call.signal.reason), resolve('x')))) : next()));
    await expect(p.b.sendRequest('add', [1, 2], { timeout: 20 })).rejects.toThrow(/timed out/);
    await until(() => aborted !== undefined, 'the cancel to reach the middleware');
    expect(await p.b.invokeRequest('whoami')).toBe('whoami');
    await until(() => p.a.stats().runningHandlers === 0, 'the held call to end');
    await p.finish();
  });
});

test('server.use() applies to connections present and future, and dispose() removes it from all', async () => {
  const server = await listen('tcp://127.0.0.1:0', () => new Svc(), { logger: logSink().logger });
  try {
    const early = await connect(server.url, null, { logger: logSink().logger });
    await until(() => server.connections.size === 1, 'the first connection');
    const added = server.use(async (_call, next) => `[${String(await next())}]`);
    const late = await connect(server.url, null, { logger: logSink().logger });
    expect(await early.invokeRequest('add', 1, 2)).toBe('[3]');
    expect(await late.invokeRequest('add', 2, 2)).toBe('[4]');
    added.dispose();
    expect(await early.invokeRequest('add', 1, 2)).toBe(3);
    expect(await late.invokeRequest('add', 2, 2)).toBe(4);
    early.close();
    late.close();
  } finally {
    await server.close({ timeout: 1000 });
  }
});

test("log redaction goes through pino's own redact option: a traced message's params are masked", async () => {
  const lines: any[] = [];
  const logger = pino({ level: 'trace', redact: ['message.params.password'] }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  @serviceClass
  class Login {
    @request login(user: string, password: string) {
      return user.length + password.length > 0;
    }
  }
  const p = pair('json', new Login(), undefined, { logger }, {});
  expect(await p.b.sendRequest('login', { user: 'ada', password: 'hunter2' })).toBe(true);
  const received = lines.filter((l) => l.msg === 'received');
  expect(received.length).toBeGreaterThan(0);
  expect(received[0].message.params).toEqual({ user: 'ada', password: '[Redacted]' });
  expect(JSON.stringify(lines)).not.toContain('hunter2');
  await p.finish();
});

describe('onOutgoing: a hook on every message this side sends', () => {
  @serviceClass
  class Svc {
    @request add(a: number, b: number) {
      return a + b;
    }
    @request fail(): never {
      throw new PeerError(-32001, 'no');
    }
  }

  test('sees requests, notifications, results, errors, batches and cancels, in order; may add members that go on the wire', async () => {
    const traced = logSink('trace');
    const p = pair('json', new Svc(), undefined, { logger: traced.logger }, {});
    const fromB: unknown[] = [];
    const fromA: unknown[] = [];
    // A hook that annotates, then two that record: later hooks see what earlier ones added.
    p.b.onOutgoing((m) => {
      if (!Array.isArray(m) && m.method === 'add') m.trace = 'abc';
    });
    p.b.onOutgoing((m) => void fromB.push(structuredClone(m)));
    p.a.onOutgoing((m) => void fromA.push(structuredClone(m)));
    const seenTrace: unknown[] = [];
    p.a.use((call, next) => (seenTrace.push(call.method), next()));
    expect(await p.b.sendRequest('add', [1, 2])).toBe(3);
    await expect(p.b.sendRequest('fail')).rejects.toMatchObject({ code: -32001 });
    p.b.sendNotification('nothing');
    expect(await (p.b as JsonRpc).batchCall((b: any) => (b.add(2, 2), b.add(3, 3)))).toEqual([4, 6]);
    await expect(p.b.sendRequest('add', [1, 1], { signal: AbortSignal.abort() })).rejects.toBeDefined();
    const slow = new AbortController();
    const pendingCall = p.b.sendRequest('never', [], { signal: slow.signal }).catch(() => 'gave up');
    slow.abort();
    await pendingCall;
    await settle();
    const kinds = (m: any) => (Array.isArray(m) ? `batch of ${m.length}` : m.method ?? (m.error ? `error ${m.error.code}` : 'result'));
    expect(fromB.map(kinds)).toEqual(['add', 'fail', 'nothing', 'batch of 2', 'never', '$/cancelRequest']);
    expect(fromA.map(kinds)).toEqual(['result', 'error -32001', 'batch of 2', 'error -32601']);
    expect((fromB[0] as any).trace).toBe('abc');
    // ...and what a hook adds goes on the wire: A received it.
    const received = traced.lines.filter((l) => l.msg === 'received' && l.connectionId === 'a' && l.message.method === 'add');
    expect(received[0].message).toMatchObject({ method: 'add', trace: 'abc' });
    // Unknown methods (nothing, never) are answered by the router; middleware wraps handlers only.
    expect(seenTrace).toEqual(['add', 'fail', 'add', 'add']);
    await p.finish();
  });

  test('a hook that throws is logged and the message still goes; dispose removes the hook', async () => {
    const logs = logSink();
    const p = pair('json', new Svc(), undefined, { logger: logs.logger }, { logger: logs.logger });
    const hook = p.a.onOutgoing(() => {
      throw new Error('hook broke');
    });
    expect(await p.b.sendRequest('add', [2, 3])).toBe(5);
    expect(logs.warnings().map((l) => l.msg)).toEqual(['an outgoing hook threw; the message was sent anyway']);
    hook.dispose();
    hook.dispose();
    expect(await p.b.sendRequest('add', [2, 3])).toBe(5);
    expect(logs.warnings()).toHaveLength(1);
    expect(() => p.a.onOutgoing(42 as never)).toThrow(TypeError);
    await p.finish();
  });
});

test("pino's redact also masks paths in results: sent messages are traced as 'sent'", async () => {
  const lines: any[] = [];
  const logger = pino({ level: 'trace', redact: ['message.result.token', 'message.params.password'] }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  @serviceClass
  class Login {
    @request login(user: string, password: string) {
      return { user, token: `secret-${password.length}` };
    }
  }
  const p = pair('json', new Login(), undefined, { logger }, {});
  expect(await p.b.sendRequest('login', { user: 'ada', password: 'hunter2' })).toEqual({ user: 'ada', token: 'secret-7' });
  const sent = lines.filter((l) => l.msg === 'sent');
  expect(sent).toHaveLength(1);
  expect(sent[0].message.result).toEqual({ user: 'ada', token: '[Redacted]' });
  expect(JSON.stringify(lines)).not.toContain('secret-7');
  expect(JSON.stringify(lines)).not.toContain('hunter2');
  await p.finish();
});
