/**
 * How a peer answers what arrives: params binding, handler errors turned
 * into wire errors, and what is (not) callable.
 */
import {
  InternalError,
  InvalidParams,
  MethodNotFound,
  notification,
  PeerError,
  request,
  ResponseTimeout,
  rpcRequest,
  RpcContext,
  ServerError,
  serviceClass,
  UnspecifiedPeerError,
} from '../../lib';
import { pair } from '../helpers/pair';
import { tap } from '../helpers/tap';

class CustomError extends PeerError {
  constructor() {
    super(-32042, 'custom boom', { why: 'because' });
  }
}

/** What handlers throw, and what the caller must receive. */
const THROWN: [label: string, make: () => unknown, cls: Function, code: number, message: string, data: unknown][] = [
  ['InvalidParams with data', () => new InvalidParams('bad value', { field: 'x' }), InvalidParams, -32602, 'bad value', { field: 'x' }],
  ['MethodNotFound without data', () => new MethodNotFound(), MethodNotFound, -32601, 'Method not found', undefined],
  ['ServerError with a message', () => new ServerError('srv', 'd'), ServerError, -32000, 'srv', 'd'],
  ['InternalError', () => new InternalError(undefined, [1, 2]), InternalError, -32603, 'Internal error', [1, 2]],
  ['a PeerError with an application code', () => new PeerError(-32099, 'custom', [1, 2]), UnspecifiedPeerError, -32099, 'custom', [1, 2]],
  ['a user subclass of PeerError', () => new CustomError(), UnspecifiedPeerError, -32042, 'custom boom', { why: 'because' }],
  ['a plain Error', () => new Error('kaput'), ServerError, -32000, 'Server error', 'kaput'],
  ['a TypeError', () => new TypeError('bad type'), ServerError, -32000, 'Server error', 'bad type'],
  ['an RpcError that is not a PeerError', () => new ResponseTimeout('inner', 5), ServerError, -32000, 'Server error', 'request "inner" timed out after 5 ms'],
  ['a string', () => 'a string', ServerError, -32000, 'Server error', 'a string'],
  ['a number', () => 42, ServerError, -32000, 'Server error', '42'],
];

describe.each(['json', 'bson'] as const)('%s peer dispatch', (kind) => {
  @serviceClass
  class Svc {
    touched = 0;
    hidden = 'a property';
    @request echo(...args: unknown[]) {
      return args;
    }
    @request greet(name: string, greeting = 'Hello') {
      return `${greeting}, ${name}`;
    }
    @request two(a: unknown, b: unknown) {
      return [a, b];
    }
    @request defaults(a = 1, b = 2) {
      return [a, b];
    }
    @request head(first: unknown, ...rest: unknown[]) {
      return { first, rest };
    }
    @request nothing() {
      return undefined;
    }
    @request async later(x: number) {
      await new Promise((r) => setImmediate(r));
      return x * 2;
    }
    @request('echo_times') echoTimes(s: string, n: number) {
      return s.repeat(n);
    }
    @rpcRequest scaled(_rpc: RpcContext, x: number, factor = 10) {
      return x * factor;
    }
    @request touch() {
      return ++this.touched;
    }
    @notification note() {
      this.touched++;
    }
    @request fail(index: number, async: boolean) {
      const thrown = THROWN[index][1]();
      if (async) return Promise.reject(thrown);
      throw thrown;
    }
    @request cyclic() {
      const o: Record<string, unknown> = {};
      o.self = o;
      return o;
    }
    undecorated() {
      this.touched++;
      return 'secret';
    }
  }

  describe('params', () => {
    test.each([
      ['greet', ['Ann'], 'Hello, Ann'],
      ['greet', ['Ann', 'Hi'], 'Hi, Ann'],
      ['greet', { name: 'Ann' }, 'Hello, Ann'],
      ['greet', { greeting: 'Hi', name: 'Ann' }, 'Hi, Ann'],
      ['two', [1, { x: [null] }], [1, { x: [null] }]],
      ['two', { b: 'B', a: 'A' }, ['A', 'B']],
      ['defaults', undefined, [1, 2]],
      ['defaults', [], [1, 2]],
      ['defaults', {}, [1, 2]],
      ['defaults', [7], [7, 2]],
      ['defaults', { b: 5 }, [1, 5]],
      ['defaults', { a: null }, [null, 2]],
      ['head', [1, 2, 3], { first: 1, rest: [2, 3] }],
      ['head', { first: 1 }, { first: 1, rest: [] }],
      ['echo', undefined, []],
      ['echo', [], []],
      ['echo', {}, []],
      ['echo', [1, 'x', null, true, { a: [1.5] }], [1, 'x', null, true, { a: [1.5] }]],
      ['echo_times', ['ab', 2], 'abab'],
      ['echo_times', { n: 3, s: 'ab' }, 'ababab'],
      ['later', [21], 42],
      ['later', { x: 4 }, 8],
      ['nothing', undefined, null],
      ['scaled', [2], 20],
      ['scaled', { x: 2, factor: 3 }, 6],
    ])('%s %j → %j', async (method, params, expected) => {
      const p = pair(kind, undefined, new Svc());
      expect(await p.a.sendRequest(method, params)).toEqual(expected);
      await p.finish();
    });

    test.each([
      ['greet', []],
      ['greet', {}],
      ['greet', { greeting: 'Hi' }],
      ['greet', { name: 'x', extra: 1 }],
      ['greet', ['a', 'b', 'c']],
      ['two', [1]],
      ['two', undefined],
      ['two', { a: 1, b: 2, constructor: 3 }],
      ['nothing', [1]],
      ['nothing', { x: 1 }],
      ['echo', { x: 1 }],
      ['head', []],
      ['later', { y: 1 }],
      ['echo_times', { s: 'a', n: 1, times: 2 }],
      ['scaled', { rpc: 1, x: 2 }],
      ['scaled', [1, 2, 3]],
    ])('%s %j → InvalidParams (-32602) naming the method, not ServerError', async (method, params) => {
      const p = pair(kind, undefined, new Svc());
      const err = await p.a.sendRequest(method, params).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidParams);
      expect(err).not.toBeInstanceOf(ServerError);
      expect((err as PeerError).code).toBe(-32602);
      expect((err as PeerError).data).toContain(`"${method}"`);
      await p.finish();
    });
  });

  describe('errors thrown by handlers', () => {
    test.each(THROWN.flatMap((row, index) => [false, true].map((async) => [row[0], async ? 'async' : 'sync', index, async] as const)))(
      '%s (%s) arrives with its class, code, message and data',
      async (_label, _mode, index, async) => {
        const [, , cls, code, message, data] = THROWN[index];
        const p = pair(kind, undefined, new Svc());
        const err = (await p.a.invokeRequest('fail', index, async).catch((e: unknown) => e)) as PeerError;
        expect(err).toBeInstanceOf(cls);
        expect(err).toBeInstanceOf(PeerError);
        expect({ code: err.code, message: err.message, data: err.data }).toEqual({ code, message, data });
        await p.finish();
      },
    );

    test.each([
      ['an object', () => ({ some: 'object' })],
      ['null', () => null],
      ['undefined', () => undefined],
      ['an object whose toString throws', () => ({ toString: () => { throw new Error('no'); } })],
    ])('throwing %s answers ServerError with a string as data', async (_label, make) => {
      @serviceClass
      class Thrower {
        @request throwIt() {
          throw make();
        }
      }
      const p = pair(kind, undefined, new Thrower());
      const err = (await p.a.invokeRequest('throwIt').catch((e: unknown) => e)) as PeerError;
      expect(err).toBeInstanceOf(ServerError);
      expect(err.message).toBe('Server error');
      expect(typeof err.data).toBe('string');
      await p.finish();
    });

    test('no stack, file name or extra member goes on the wire', async () => {
      const p = pair(kind, undefined, new Svc());
      const sent = tap(kind, p.sockets[0]);
      const plain = THROWN.findIndex((t) => t[0] === 'a plain Error');
      await expect(p.a.invokeRequest('fail', plain, false)).rejects.toBeInstanceOf(ServerError);
      await expect(p.a.invokeRequest('fail', plain, true)).rejects.toBeInstanceOf(ServerError);
      await expect(p.a.invokeRequest('fail', 0, true)).rejects.toBeInstanceOf(InvalidParams);
      expect(sent).toHaveLength(3);
      for (const m of sent) expect(Object.keys(m.error).sort()).toEqual(['code', 'data', 'message']);
      const wire = JSON.stringify(sent);
      expect(wire).not.toMatch(/stack|\.spec\.ts|\.js:\d|\bat \w/);
      await p.finish();
    });

    test('a result that cannot be encoded answers InternalError and the connection stays usable', async () => {
      const p = pair(kind, undefined, new Svc());
      const err = await p.a.invokeRequest('cyclic').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InternalError);
      expect((err as PeerError).code).toBe(-32603);
      expect(await p.a.invokeRequest('echo', 1)).toEqual([1]);
      await p.finish();
    });
  });

  describe('what is callable', () => {
    test.each([
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
      'valueOf',
      'isPrototypeOf',
      '__defineGetter__',
      'prototype',
      'undecorated',
      'hidden',
      'touched',
      'echoTimes',
      'note',
      'ECHO',
      '',
      'echo ',
    ])('request %j → MethodNotFound (-32601) and nothing runs', async (method) => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const err = await p.a.invokeRequest(method, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MethodNotFound);
      expect((err as PeerError).code).toBe(-32601);
      expect(svc.touched).toBe(0);
      await p.finish();
    });

    test.each(['nope', 'touch', 'echo_times', 'toString', 'constructor', '__proto__', 'undecorated'])(
      'notification %j to no notification handler is dropped, unanswered and logged at warn with the connectionId',
      async (method) => {
        const svc = new Svc();
        const p = pair(kind, undefined, svc);
        const answers = tap(kind, p.sockets[0]);
        p.a.invokeNotification(method, 'x');
        // Messages are handled in arrival order: once this answers, the notification was seen.
        expect(await p.a.invokeRequest('echo', 'probe')).toEqual(['probe']);
        expect(svc.touched).toBe(0);
        expect(answers).toHaveLength(1);
        expect(answers[0].result).toEqual(['probe']);
        const line = p.logs.warnings().find((l) => l.method === method);
        expect(line).toMatchObject({ level: 40, connectionId: 'b' });
        await p.finish();
      },
    );

    test('a notification handler runs for a notification and sends nothing back', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      const answers = tap(kind, p.sockets[0]);
      p.a.invokeNotification('note');
      expect(await p.a.invokeRequest('echo')).toEqual([]);
      expect(svc.touched).toBe(1);
      expect(answers).toHaveLength(1);
      await p.finish();
    });

    test('a notification with bad params is dropped and logged at warn (as an unknown name is), and the connection goes on', async () => {
      const svc = new Svc();
      const p = pair(kind, undefined, svc);
      p.a.invokeNotification('note', 'unexpected');
      expect(await p.a.invokeRequest('echo', 1)).toEqual([1]);
      expect(svc.touched).toBe(0);
      expect(p.logs.lines.some((l) => l.connectionId === 'b' && l.method === 'note' && l.level >= 40)).toBe(true);
      await p.finish();
    });
  });
});
