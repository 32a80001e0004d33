/**
 * The calling side: invokeRequest / invokeNotification / sendRequest /
 * sendNotification, timeouts, abort signals, id generation and what a call
 * without arguments puts on the wire.
 */
import {
  ConnectionClosedError,
  EncodingError,
  notification,
  request,
  ResponseTimeout,
  RpcError,
  rpcRequest,
  RpcContext,
  serviceClass,
} from '../../lib';
import { Pair, pair } from '../helpers/pair';
import { deferred, settle, sleep, until } from '../helpers/wait';
import { tap } from '../helpers/tap';

@serviceClass
class Svc {
  gate = deferred();
  started = 0;
  finished = 0;
  seen: unknown[][] = [];
  @request echo(...args: unknown[]) {
    return args;
  }
  @request named(a: unknown, b: unknown) {
    return { a, b };
  }
  @rpcRequest whoami(rpc: RpcContext) {
    return rpc.id;
  }
  @request async slow() {
    this.started++;
    await this.gate.promise;
    this.finished++;
    return 'late';
  }
  @notification note(...args: unknown[]) {
    this.seen.push(args);
  }
  @notification record(a: unknown, b: unknown) {
    this.seen.push([a, b]);
  }
}

describe.each(['json', 'bson'] as const)('%s peer calls', (kind) => {
  /** A pair serving `Svc` whose caller records 'error' events: an abandoned call's late answer must raise none. */
  function watchedPair(): { svc: Svc; p: Pair; errors: Error[] } {
    const svc = new Svc();
    const p = pair(kind, undefined, svc);
    const errors: Error[] = [];
    p.a.on('error', (e) => errors.push(e));
    return { svc, p, errors };
  }

  /** Lets the abandoned `slow` answer: it must be dropped without an event or a warning, and the caller must go on. */
  async function expectLateAnswerDroppedQuietly({ svc, p, errors }: ReturnType<typeof watchedPair>): Promise<void> {
    expect(p.a.stats().pendingRequests).toBe(0);
    svc.gate.resolve();
    await until(() => svc.finished === 1, 'the slow handler');
    await settle();
    expect(errors).toEqual([]);
    expect(p.logs.warnings()).toEqual([]);
    expect(p.a.isClosed).toBe(false);
    expect(await p.a.invokeRequest('echo', 1)).toEqual([1]);
    await p.finish();
  }

  describe('the four call forms', () => {
    test('invokeRequest sends positional params', async () => {
      const p = pair(kind, undefined, new Svc());
      expect(await p.a.invokeRequest('echo', 1, 'two', [3], { four: 4 }, null)).toEqual([1, 'two', [3], { four: 4 }, null]);
      await p.finish();
    });

    test.each([
      ['an array', ['x', 'y'], { a: 'x', b: 'y' }],
      ['an object', { a: 'x', b: 'y' }, { a: 'x', b: 'y' }],
      ['an object in another key order', { b: 'y', a: 'x' }, { a: 'x', b: 'y' }],
    ])('sendRequest with %s', async (_label, params, expected) => {
      const p = pair(kind, undefined, new Svc());
      expect(await p.a.sendRequest('named', params)).toEqual(expected);
      await p.finish();
    });

    test('invokeNotification and sendNotification (array and object) arrive in order', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      expect(p.a.invokeNotification('note', 1, 2)).toBeUndefined();
      expect(p.a.sendNotification('note', ['x'])).toBeUndefined();
      p.a.sendNotification('record', { b: 'B', a: 'A' });
      p.a.sendNotification('note');
      await until(() => svc.seen.length === 4, 'four notifications');
      expect(svc.seen).toEqual([[1, 2], ['x'], ['A', 'B'], []]);
      await p.finish();
    });

    test.each([
      ['a string', 'abc'],
      ['a number', 42],
      ['null', null],
      ['a boolean', true],
      ['a Date', new Date(0)],
    ])('params that are %s are a TypeError and nothing is sent', async (_label, params) => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const sent = tap(kind, p.sockets[1]);
      await expect(p.a.sendRequest('echo', params as never)).rejects.toThrow(TypeError);
      expect(() => p.a.sendNotification('note', params as never)).toThrow(TypeError);
      await settle();
      expect(sent).toEqual([]);
      await p.finish();
    });

    test('a method that is not a string is a TypeError', async () => {
      const p = pair(kind, undefined, new Svc());
      await expect(p.a.invokeRequest(42 as never)).rejects.toThrow(TypeError);
      expect(() => p.a.invokeNotification(undefined as never)).toThrow(TypeError);
      await p.finish();
    });

    test('an argument that cannot be encoded rejects with EncodingError, leaves nothing pending, and the peer goes on', async () => {
      const p = pair(kind, undefined, new Svc());
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await expect(p.a.invokeRequest('echo', cyclic)).rejects.toBeInstanceOf(EncodingError);
      expect(() => p.a.invokeNotification('note', cyclic)).toThrow(EncodingError);
      expect(p.a.stats().pendingRequests).toBe(0);
      expect(await p.a.invokeRequest('echo', 'ok')).toEqual(['ok']);
      await p.finish();
    });
  });

  describe('timeouts', () => {
    test('{timeout} rejects with a ResponseTimeout naming the method and connection; the late answer is dropped quietly', async () => {
      const watched = watchedPair();
      const err = (await watched.p.a.sendRequest('slow', [], { timeout: 50 }).catch((e: unknown) => e)) as ResponseTimeout;
      expect(err).toBeInstanceOf(ResponseTimeout);
      expect(err).toBeInstanceOf(RpcError);
      expect(err.message).toMatch(/"slow"/);
      expect(err.message).toMatch(/50 ms/);
      expect(err.message).toMatch(/conn a/);
      expect({ method: err.method, timeoutMs: err.timeoutMs }).toEqual({ method: 'slow', timeoutMs: 50 });
      await expectLateAnswerDroppedQuietly(watched);
    });

    test('the peer-level timeout option applies to every request', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc, { timeout: 50 }, {});
      expect(await p.a.invokeRequest('echo', 'fast')).toEqual(['fast']);
      const err = (await p.a.invokeRequest('slow').catch((e: unknown) => e)) as ResponseTimeout;
      expect(err).toBeInstanceOf(ResponseTimeout);
      expect(err.timeoutMs).toBe(50);
      svc.gate.resolve();
      await until(() => svc.finished === 1, 'the slow handler');
      await p.finish();
    });

    test('a per-call timeout overrides the peer-level one', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc, { timeout: 30 }, {});
      const call = p.a.sendRequest('slow', [], { timeout: 5000 });
      await until(() => svc.started === 1, 'the slow handler');
      await sleep(60);
      svc.gate.resolve();
      expect(await call).toBe('late');
      await p.finish();
    });
  });

  describe('abort signals', () => {
    test('aborting rejects with the signal reason; the late answer is dropped quietly', async () => {
      const watched = watchedPair();
      const ac = new AbortController();
      const call = watched.p.a.sendRequest('slow', [], { signal: ac.signal }).catch((e: unknown) => e);
      await until(() => watched.svc.started === 1, 'the slow handler');
      const reason = new Error('user gave up');
      ac.abort(reason);
      expect(await call).toBe(reason);
      await expectLateAnswerDroppedQuietly(watched);
    });

    test('abort() without a reason rejects with an AbortError', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const ac = new AbortController();
      const call = p.a.sendRequest('slow', undefined, { signal: ac.signal }).catch((e: unknown) => e);
      ac.abort();
      expect((await call) as Error).toMatchObject({ name: 'AbortError' });
      svc.gate.resolve();
      await until(() => p.b.stats().runningHandlers === 0 && svc.started === svc.finished, 'the handler');
      await p.finish();
    });

    test('an already aborted signal rejects at once and sends nothing', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const sent = tap(kind, p.sockets[1]);
      const reason = new Error('too late');
      await expect(p.a.sendRequest('slow', [], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      await settle();
      expect(sent).toEqual([]);
      expect(svc.started).toBe(0);
      svc.gate.resolve();
      await until(() => svc.started === svc.finished, 'any handler');
      await p.finish();
    });

    test('a signal that is never aborted does not disturb the call', async () => {
      const p = pair(kind, undefined, new Svc());
      const ac = new AbortController();
      expect(await p.a.sendRequest('echo', [1], { signal: ac.signal, timeout: 1000 })).toEqual([1]);
      ac.abort(new Error('after the fact'));
      await p.finish();
    });
  });

  describe('idGenerator', () => {
    test('string ids reach the other side and answers match them', async () => {
      let n = 0;
      const gen = jest.fn(() => `req-${++n}`);
      const p = pair(kind, undefined, new Svc(), { idGenerator: gen }, {});
      expect(await p.a.invokeRequest('whoami')).toBe('req-1');
      expect(await Promise.all([p.a.invokeRequest('whoami'), p.a.invokeRequest('whoami')])).toEqual(['req-2', 'req-3']);
      p.a.invokeNotification('note');
      expect(gen).toHaveBeenCalledTimes(3);
      await p.finish();
    });

    test('integer ids from a generator', async () => {
      let n = 1000;
      const p = pair(kind, undefined, new Svc(), { idGenerator: () => n++ }, {});
      expect(await p.a.invokeRequest('whoami')).toBe(1000);
      expect(await p.a.invokeRequest('whoami')).toBe(1001);
      await p.finish();
    });

    test('the default ids are 1, 2, 3, … per connection', async () => {
      const p = pair(kind, new Svc(), new Svc());
      expect(await p.a.invokeRequest('whoami')).toBe(1);
      expect(await p.a.invokeRequest('whoami')).toBe(2);
      expect(await p.b.invokeRequest('whoami')).toBe(1);
      await p.finish();
    });

    test('a generator that repeats a pending id makes that call reject with a TypeError; the first call is unharmed', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc, { idGenerator: () => 'same' }, {});
      const first = p.a.invokeRequest('slow');
      await until(() => svc.started === 1, 'the slow handler');
      await expect(p.a.invokeRequest('echo', 1)).rejects.toThrow(/"?same"?.*pending/);
      await expect(p.a.invokeRequest('echo', 1)).rejects.toBeInstanceOf(TypeError);
      svc.gate.resolve();
      expect(await first).toBe('late');
      // No longer pending: the id may be used again.
      expect(await p.a.invokeRequest('echo', 2)).toEqual([2]);
      await p.finish();
    });

    test.each([
      ['a fraction', 1.5],
      ['an object', {}],
      ['undefined', undefined],
      ['null', null],
      ['an unsafe integer', 2 ** 60],
    ])('a generator returning %s makes the call reject with a TypeError', async (_label, id) => {
      const p = pair(kind, undefined, new Svc(), { idGenerator: () => id as never }, {});
      await expect(p.a.invokeRequest('echo')).rejects.toBeInstanceOf(TypeError);
      expect(p.a.stats().pendingRequests).toBe(0);
      await p.finish();
    });
  });

  describe('noArgumentsPresentation', () => {
    const callForms: [string, (peer: import('../../lib').RpcPeer) => Promise<unknown> | void][] = [
      ['invokeRequest()', (peer) => peer.invokeRequest('echo')],
      ['invokeNotification()', (peer) => peer.invokeNotification('note')],
      ['proxy.m()', (peer) => peer.getPeerProxy().echo()],
      ['proxy.n.m()', (peer) => peer.getPeerProxy().n.note()],
      ['proxy with explicit lists', (peer) => peer.getPeerProxy({ requests: ['echo'] }).echo()],
      ['proxy with a timeout', (peer) => peer.getPeerProxy({ timeout: 1000 }).echo()],
    ];
    const presentations = [
      ['omit', undefined],
      ['emptyArray', []],
      ['emptyObject', {}],
    ] as const;

    test.each(presentations.flatMap(([option, params]) => callForms.map(([form, call]) => [option, form, params, call] as const)))(
      "'%s': %s sends params %j",
      async (option, _form, params, call) => {
        const p = pair(kind, undefined, new Svc(), { noArgumentsPresentation: option }, {});
        const sent = tap(kind, p.sockets[1]);
        const result = await call(p.a);
        if (result !== undefined) expect(result).toEqual([]);
        await until(() => sent.length === 1, 'the message');
        expect('params' in sent[0]).toBe(params !== undefined);
        expect(sent[0].params).toEqual(params);
        await settle();
        await p.finish();
      },
    );

    test.each(presentations.map(([option]) => option))("'%s': a call with arguments always sends them as an array", async (option) => {
      const p = pair(kind, undefined, new Svc(), { noArgumentsPresentation: option }, {});
      const sent = tap(kind, p.sockets[1]);
      expect(await p.a.invokeRequest('echo', 0)).toEqual([0]);
      expect(sent[0].params).toEqual([0]);
      await p.finish();
    });

    test('an unknown value is a TypeError naming the option', () => {
      expect(() => pair(kind, undefined, undefined, { noArgumentsPresentation: 'none' as never })).toThrow(/noArgumentsPresentation/);
    });
  });

  test('calls after close reject (requests) or throw (notifications) ConnectionClosedError naming the method', async () => {
    const p = pair(kind, undefined, new Svc());
    p.a.close();
    await expect(p.a.sendRequest('echo', [1])).rejects.toThrow(ConnectionClosedError);
    await expect(p.a.invokeRequest('echo')).rejects.toThrow(/"echo"/);
    expect(() => p.a.sendNotification('note', [])).toThrow(ConnectionClosedError);
    expect(() => p.a.invokeNotification('note')).toThrow(/"note"/);
    await p.finish();
  });
});
