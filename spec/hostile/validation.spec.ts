/**
 * Bad input against validation: wrong types of every kind, missing and
 * extra named params, validators that throw, answer garbage or never
 * settle, interface-typed (Object) params and hostile getters. Every case
 * has a defined answer, and none leaves a handler slot or a pending
 * request behind.
 */
import { z } from 'zod';
import { ConnectionClosedError, JsonRpc, notification, request, serviceClass, StandardSchema } from '../../lib';
import { ServiceHandlers } from '../../lib/peer/handlers';
import type { Call } from '../../lib/protocol/call';
import type { PeerKind } from '../helpers/pair';
import { pair } from '../helpers/pair';
import { until } from '../helpers/wait';

interface Anything {
  id: string;
}

const schema = (validate: (value: unknown) => unknown): StandardSchema => ({ '~standard': { version: 1, vendor: 'test', validate: validate as never } });
const never = schema(() => new Promise(() => undefined));
const throws = schema(() => {
  throw new Error('validator bug');
});
const rejects = schema(() => Promise.reject(new Error('async validator bug')));
const garbage = schema(() => 42);

let ran = 0;

@serviceClass
class Victim {
  @request str(s: string) {
    return ++ran && s;
  }
  @request num(n: number) {
    return ++ran && n;
  }
  @request bool(b: boolean) {
    return ++ran && b;
  }
  @request arr(a: unknown[]) {
    return ++ran && a;
  }
  @request date(d: Date) {
    return ++ran && String(d);
  }
  @request bytes(b: Buffer) {
    return ++ran && typeof b;
  }
  @request iface(x: Anything) {
    return ++ran && (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x);
  }
  @request add(a: number, b: number) {
    return ++ran && a + b;
  }
  @request({ validate: { x: throws } }) throwing(x: number) {
    return ++ran && x;
  }
  @request({ validate: { x: rejects } }) rejecting(x: number) {
    return ++ran && x;
  }
  @request({ validate: { x: garbage } }) garbled(x: number) {
    return ++ran && x;
  }
  @request({ validate: { x: never } }) hanging(x: number) {
    return ++ran && x;
  }
  @request({ validate: { p: z.object({ id: z.string() }) } }) shaped(p: Anything) {
    return ++ran && p.id;
  }
}

const notes: string[] = [];

@serviceClass
class Notified {
  @notification note(text: string) {
    notes.push(text);
  }
  @request echo(text: string) {
    return text;
  }
}

/** Every kind of JSON value, and BSON's extra ones. */
const VALUES: [string, unknown][] = [
  ['string', 'x'],
  ['empty string', ''],
  ['number', 1],
  ['float', 1.5],
  ['negative', -7],
  ['true', true],
  ['false', false],
  ['array', [1, 'a']],
  ['empty array', []],
  ['object', { a: 1 }],
  ['empty object', {}],
  ['nested', { a: [{ b: null }] }],
  ['buffer-like', { type: 'Buffer', data: 'no' }],
];

const ACCEPTS: Record<string, (v: unknown) => boolean> = {
  str: (v) => typeof v === 'string',
  num: (v) => typeof v === 'number',
  bool: (v) => typeof v === 'boolean',
  arr: (v) => Array.isArray(v),
  date: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  bytes: (v) => typeof v === 'string',
  iface: () => true,
};
const PARAM: Record<string, string> = { str: 's', num: 'n', bool: 'b', arr: 'a', date: 'd', bytes: 'b', iface: 'x' };

const answer = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: number; data?: { param?: string } }) => `${e.code} ${e.data?.param ?? ''}`.trim(),
  );

describe.each<PeerKind>(['json', 'bson'])('over %s', (kind) => {
  test('wrong types of every kind: -32602 naming the parameter, and the handler never runs', async () => {
    const p = pair(kind, new Victim());
    ran = 0;
    let expectedRuns = 0;
    for (const method of Object.keys(ACCEPTS)) {
      for (const [label, value] of VALUES) {
        const ok = ACCEPTS[method](value);
        if (ok) expectedRuns++;
        const got = await answer(p.b.sendRequest(method, [value]));
        expect(`${method}(${label}) ${got}`).toBe(`${method}(${label}) ${ok ? 'ok' : `-32602 ${PARAM[method]}`}`);
      }
    }
    expect(ran).toBe(expectedRuns);
    await p.finish();
  });

  test('missing, extra and misnamed params', async () => {
    const p = pair(kind, new Victim());
    const got = await Promise.all(
      [{ a: 1 }, { a: 1, b: 2, c: 3 }, { b: 2, a: '1' }, {}, [1], [1, 2, 3], { A: 1, b: 2 }, { a: 1, b: 2 }].map((params) => answer(p.b.sendRequest('add', params))),
    );
    expect(got).toEqual(['-32602', '-32602', '-32602 a', '-32602', '-32602', '-32602', '-32602', 'ok']);
    await p.finish();
  });

  test('a validator that throws, rejects or answers garbage: -32603 naming the parameter, logged, handler not run', async () => {
    const p = pair(kind, new Victim());
    ran = 0;
    const got = await Promise.all(['throwing', 'rejecting', 'garbled'].map((m) => p.b.sendRequest(m, [1]).catch((e: unknown) => e)));
    expect(got).toEqual([
      expect.objectContaining({ code: -32603, data: { method: 'throwing', param: 'x', error: 'validator bug' } }),
      expect.objectContaining({ code: -32603, data: { method: 'rejecting', param: 'x', error: 'async validator bug' } }),
      expect.objectContaining({ code: -32603, data: { method: 'garbled', param: 'x', error: 'validator returned number, not a result' } }),
    ]);
    expect(ran).toBe(0);
    expect(p.logs.lines.filter((l) => l.level === 50).map((l) => l.param)).toEqual(['x', 'x', 'x']);
    await p.finish();
  });

  test('a validator that never settles holds its slot until the call is aborted: here, by the connection closing', async () => {
    const p = pair(kind, new Victim());
    const hung = p.b.sendRequest('hanging', [1]).catch((e: unknown) => e);
    await until(() => p.a.stats().runningHandlers === 1, 'the validator to start'); // its time is the handler's time
    expect(await p.b.sendRequest('num', [2])).toBe(2); // other calls go on
    p.a.close();
    expect(await hung).toBeInstanceOf(ConnectionClosedError);
    expect(await p.a.join(2000)).toBe(true);
    expect(p.a.stats()).toEqual({ pendingRequests: 0, runningHandlers: 0 });
    p.b.close();
    expect(await p.b.join(2000)).toBe(true);
  });

  test('a notification with a wrong type does not run its handler and is logged; a batch answers each entry', async () => {
    const p = pair(kind, new Notified());
    notes.length = 0;
    p.b.sendNotification('note', [42]);
    p.b.sendNotification('note', ['kept']);
    await until(() => p.a.stats().runningHandlers === 0 && notes.length === 1, 'the notes');
    expect(notes).toEqual(['kept']);
    expect(p.logs.lines.some((l) => l.level === 40 && l.msg === 'notification handler failed' && l.err?.data?.param === 'text')).toBe(true);
    if (kind === 'json') {
      const answers = await (p.b as JsonRpc).batchCall((b) => {
        b.echo('fine');
        b.echo(7);
      });
      expect(answers).toEqual(['fine', expect.objectContaining({ code: -32602, data: expect.objectContaining({ param: 'text' }) })]);
    }
    await p.finish();
  });

  test('an interface-typed (Object) param takes anything, null included', async () => {
    const p = pair(kind, new Victim());
    const got = await Promise.all([null, 'str', 3, [1], { id: 'a' }].map((x) => p.b.sendRequest('iface', [x])));
    expect(got).toEqual(['null', 'string', 'number', 'array', 'object']);
    await p.finish();
  });

  test('a flood of invalid calls leaves nothing behind', async () => {
    const p = pair(kind, new Victim());
    const got = await Promise.all(Array.from({ length: 400 }, (_, i) => answer(p.b.sendRequest(i % 2 ? 'num' : 'shaped', [i % 2 ? 'x' : { id: i }]))));
    expect(new Set(got)).toEqual(new Set(['-32602 n', '-32602 p']));
    await until(() => p.a.stats().runningHandlers === 0, 'handlers to finish');
    await p.finish();
  });
});

describe('hostile getters (in process, past the wire)', () => {
  const handlers = new ServiceHandlers(new Victim());
  const call = {} as Call;
  const invoke = (method: string, params: unknown) => {
    try {
      const r = handlers.resolve(method)!.invoke(params as never, call);
      return Promise.resolve(r).then(
        (v) => ['ok', v],
        (e: { code?: number; message?: string }) => [e.code ?? 'thrown', e.message],
      );
    } catch (e) {
      const err = e as { code?: number; message?: string };
      return Promise.resolve([err.code ?? 'thrown', err.message]);
    }
  };
  const hostile = () =>
    Object.defineProperty({}, 'type', {
      enumerable: true,
      get() {
        throw new Error('gotcha');
      },
    });

  test('a validator that never settles is given up when the call signal aborts (cancellation, close)', async () => {
    const controller = new AbortController();
    const r = handlers.resolve('hanging')!.invoke([1], { signal: controller.signal } as Call) as Promise<unknown>;
    controller.abort(new Error('cancelled by the caller'));
    await expect(r).rejects.toThrow('cancelled by the caller');
  });

  test('a getter in a bytes-typed argument is a type mismatch, not a crash', async () => {
    expect(await invoke('bytes', [hostile()])).toEqual([-32602, 'Invalid params']);
  });

  test('a getter read by a schema makes the schema throw: -32603', async () => {
    const p = Object.defineProperty({}, 'id', {
      enumerable: true,
      get() {
        throw new Error('gotcha');
      },
    });
    expect(await invoke('shaped', [p])).toEqual([-32603, 'Internal error']);
  });

  test('a getter among named params throws out of invoke, which the scheduler answers -32000', async () => {
    const named = Object.defineProperty({}, 'a', {
      enumerable: true,
      get() {
        throw new Error('gotcha');
      },
    });
    expect(await invoke('add', named)).toEqual(['thrown', 'gotcha']);
  });
});
