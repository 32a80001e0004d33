/**
 * Middleware with use(): onion order, what `call` carries, replacing
 * results, refusing with a PeerError, and the odd ones (never calls next,
 * calls it twice, throws a non-PeerError), on a peer and on a server.
 */
import {
  connect,
  currentContext,
  InvalidParams,
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
import { until } from '../helpers/wait';

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
