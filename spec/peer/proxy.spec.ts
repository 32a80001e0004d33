/**
 * getPeerProxy: requests, notifications, explicit name lists, the proxy's
 * own timeout, inert keys (then, symbols) and the typed form.
 */
import * as util from 'node:util';
import { Disposable, MethodNotFound, notification, OutgoingMessage, PeerOptions, PeerProxy, request, ResponseTimeout, rpcRequest, RpcContext, RpcPeer, serviceClass } from '../../lib';
import { pair } from '../helpers/pair';
import { deferred, settle, sleep, until } from '../helpers/wait';

@serviceClass
class Svc {
  calls: string[] = [];
  gate = deferred();
  @request echo(...args: unknown[]) {
    this.calls.push('echo');
    return args;
  }
  @request('math.add') add(a: number, b: number) {
    this.calls.push('math.add');
    return a + b;
  }
  @notification log(msg: string) {
    this.calls.push(`log:${msg}`);
  }
  @request n() {
    this.calls.push('request n');
    return 'n as a request';
  }
  @request async slow() {
    this.calls.push('slow');
    await this.gate.promise;
    return 'late';
  }
  // Handlers under the names a careless proxy would call by itself, so such calls are counted, not rejected.
  @request toString() {
    this.calls.push('toString');
    return 'remote toString';
  }
  @request valueOf() {
    this.calls.push('valueOf');
    return 'remote valueOf';
  }
  @request then() {
    this.calls.push('then');
    return 'remote then';
  }
}

/** The server of the README example, for the typed proxy. */
@serviceClass
class ServerServices {
  @request swapper(txt: string) {
    return [...txt].reverse().join('');
  }
  @request('math.add') add(a: number, b: number) {
    return a + b;
  }
  @notification reportProgress(_msg: string) {}
  @rpcRequest async longProcess(_rpc: RpcContext, a: number, b: number, c: number) {
    return a * b * c;
  }
}

/** Compiled by `tsc --noEmit`, never run: the typed proxy strips the RpcContext and keeps the types. */
export function typedProxyCompiles(peer: RpcPeer, ctx: RpcContext): unknown[] {
  const server: PeerProxy<ServerServices> = peer.getPeerProxy<ServerServices>();
  const product: Promise<number> = server.longProcess(1, 2, 3);
  const swapped: Promise<string> = server.swapper('abc');
  const sum: Promise<number> = server.add(1, 2);
  const none: void = server.n.reportProgress('x');
  // @ts-expect-error callers do not pass the RpcContext
  server.longProcess(ctx, 1, 2, 3);
  // @ts-expect-error wrong argument type
  server.swapper(1);
  // @ts-expect-error not a method of the server
  server.nothingLikeThis();
  // @ts-expect-error notifications return nothing, not a promise
  const notAPromise: Promise<unknown> = server.n.reportProgress('x');
  const fromContext: Promise<number> = ctx.getPeerProxy<ServerServices>().longProcess(1, 2, 3);
  const untyped = peer.getPeerProxy();
  const anything: Promise<unknown> = untyped.whatever(1, 2);
  return [product, swapped, sum, none, notAPromise, fromContext, anything];
}

/** Compiled, never run: the types of what cancellation, deadlines, middleware and outgoing hooks add. */
export function callControlTypesCompile(peer: RpcPeer, ctx: RpcContext, options: PeerOptions): unknown[] {
  const server = peer.getPeerProxy<ServerServices>({ timeout: 100 });
  const viaProxy: Promise<number> = server.add(1, 2);
  const withSignal: Promise<unknown> = peer.sendRequest('x', [], { timeout: 5, signal: AbortSignal.timeout(5) });
  // @ts-expect-error a signal is an AbortSignal, not a controller
  peer.sendRequest('x', [], { signal: new AbortController() });
  const left: number | undefined = ctx.timeLeft;
  // @ts-expect-error timeLeft is read-only
  ctx.timeLeft = 5;
  const signal: AbortSignal = ctx.signal;
  const deadline: boolean | undefined = options.sendDeadline;
  // @ts-expect-error sendDeadline is a boolean
  const wrong: PeerOptions = { sendDeadline: 'yes' };
  const mw: Disposable = peer.use(async (call, next) => (call.method === 'x' && call.kind === 'request' ? next() : call.params));
  const hook: Disposable = peer.onOutgoing((m: OutgoingMessage) => void (Array.isArray(m) ? m.length : m.method));
  // @ts-expect-error a hook takes the message, not (message, next)
  peer.onOutgoing((_m: OutgoingMessage, _next: () => void) => undefined);
  return [viaProxy, withSignal, left, signal, deadline, wrong, mw, hook];
}

describe.each(['json', 'bson'] as const)('%s peer proxy', (kind) => {
  test('proxy.m() sends a request, proxy.n.m() a notification returning undefined', async () => {
    const svc = new Svc();
    const p = pair(kind, undefined, svc);
    const proxy = p.a.getPeerProxy();
    expect(await proxy.echo(1, 'x')).toEqual([1, 'x']);
    expect(await proxy['math.add'](2, 3)).toBe(5);
    expect(proxy.n.log('hello')).toBeUndefined();
    await until(() => svc.calls.includes('log:hello'), 'the notification');
    await expect(proxy.log('as a request')).rejects.toBeInstanceOf(MethodNotFound);
    expect(svc.calls).toEqual(['echo', 'math.add', 'log:hello']);
    await p.finish();
  });

  test('a typed proxy calls through at run time', async () => {
    const p = pair(kind, undefined, new ServerServices());
    const server = p.a.getPeerProxy<ServerServices>();
    expect(await server.longProcess(2, 3, 4)).toBe(24);
    expect(await server.swapper('abc')).toBe('cba');
    await p.finish();
  });

  describe('explicit name lists', () => {
    test.each([
      // [requests, notifications, name, args, 'request' result | 'notification']
      [['echo'], ['log'], 'echo', [1], [1]],
      [['echo'], ['log'], 'log', ['via list'], 'notification'],
      [['math.add'], undefined, 'math.add', [1, 2], 3],
      [undefined, ['log'], 'log', ['only notes'], 'notification'],
      [['n'], ['log'], 'n', [], 'n as a request'],
    ] as const)('requests %j, notifications %j: %s(%j) → %j', async (requests, notifications, name, args, expected) => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const proxy = p.a.getPeerProxy({ requests: requests as string[] | undefined, notifications: notifications as string[] | undefined });
      const out = proxy[name](...args);
      if (expected === 'notification') {
        expect(out).toBeUndefined();
        await until(() => svc.calls.includes(`log:${args[0]}`), 'the notification');
      } else {
        expect(await out).toEqual(expected);
      }
      await p.finish();
    });

    test.each([
      [['echo'], ['log'], 'add'],
      [['echo'], undefined, 'log'],
      [undefined, ['log'], 'echo'],
      [[], [], 'echo'],
    ] as const)('requests %j, notifications %j: calling %s throws a TypeError naming it and sends nothing', async (requests, notifications, name) => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const proxy = p.a.getPeerProxy({ requests: requests as unknown as string[], notifications: notifications as unknown as string[] });
      expect(() => proxy[name]()).toThrow(TypeError);
      expect(() => proxy[name]()).toThrow(new RegExp(`"${name}".*requests.*notifications`));
      expect(name in proxy).toBe(false);
      await settle();
      expect(svc.calls).toEqual([]);
      expect(p.a.stats().pendingRequests).toBe(0);
      await p.finish();
    });

    test('listed names are "in" the proxy', async () => {
      const p = pair(kind, undefined, new Svc());
      const proxy = p.a.getPeerProxy({ requests: ['echo'], notifications: ['log'] });
      expect(['echo' in proxy, 'log' in proxy, 'other' in proxy]).toEqual([true, true, false]);
      await p.finish();
    });
  });

  describe('the proxy timeout', () => {
    test.each([
      ['without lists', {}],
      ['with explicit lists', { requests: ['slow'] }],
    ])('%s, a slow request rejects with ResponseTimeout', async (_label, lists) => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const proxy = p.a.getPeerProxy({ ...lists, timeout: 50 });
      const err = (await proxy.slow().catch((e: unknown) => e)) as ResponseTimeout;
      expect(err).toBeInstanceOf(ResponseTimeout);
      expect(err).toMatchObject({ method: 'slow', timeoutMs: 50 });
      svc.gate.resolve();
      await until(() => p.b.stats().runningHandlers === 0, 'the slow handler');
      await p.finish();
    });

    test('it overrides the peer-level timeout', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc, { timeout: 30 }, {});
      const call = p.a.getPeerProxy({ timeout: 5000 }).slow();
      await until(() => svc.calls.includes('slow'), 'the slow handler');
      await sleep(60);
      svc.gate.resolve();
      expect(await call).toBe('late');
      await p.finish();
    });
  });

  describe('inert keys', () => {
    test.each([
      ['no lists', {}],
      ['explicit lists', { requests: ['echo'] }],
    ])('with %s, await proxy resolves to the proxy itself and sends nothing', async (_label, options) => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const proxy = p.a.getPeerProxy(options);
      expect(proxy.then).toBeUndefined();
      expect(await proxy).toBe(proxy);
      expect(await Promise.resolve(proxy)).toBe(proxy);
      expect(proxy.n.then).toBeUndefined();
      expect(await proxy.n).toBe(proxy.n);
      await settle();
      expect(svc.calls).toEqual([]);
      expect(p.a.stats().pendingRequests).toBe(0);
      await p.finish();
    });

    test('symbol keys read as undefined and send nothing', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const proxy = p.a.getPeerProxy();
      for (const sym of [Symbol.iterator, Symbol.asyncIterator, Symbol.toStringTag, Symbol('mine')]) {
        expect(proxy[sym]).toBeUndefined();
        expect(proxy.n[sym]).toBeUndefined();
      }
      expect(util.inspect(proxy)).toEqual(expect.any(String));
      expect(util.inspect(proxy.n)).toEqual(expect.any(String));
      await settle();
      expect(svc.calls).toEqual([]);
      await p.finish();
    });

    test('a template literal over a proxy sends nothing (as lib/peer/proxy.ts promises)', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const proxy = p.a.getPeerProxy();
      try {
        void `${proxy}`;
      } catch {
        // Whether it renders or throws is not the point; sending requests is.
      }
      await settle();
      expect(svc.calls).toEqual([]);
      await until(() => p.a.stats().pendingRequests === 0, 'stray requests');
      await p.finish();
    });

    test('a remote method named like an inert key stays reachable through invokeRequest', async () => {
      const p = pair(kind, undefined, new Svc());
      expect(await p.a.invokeRequest('then')).toBe('remote then');
      await p.finish();
    });
  });
});
