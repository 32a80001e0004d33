/**
 * Validation before a handler runs: design types (legacy decorators with
 * emitDecoratorMetadata, as this suite compiles), Standard Schema
 * validators from zod and valibot in the decorator options and in
 * defineService, result validators, and the same options under TC39
 * standard decorators (where design types do not exist).
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as v from 'valibot';
import * as ts from 'typescript';
import { z } from 'zod';
import { defineService, InternalError, InvalidParams, notification, PeerError, request, rpcRequest, RpcContext, serviceClass, StandardSchema } from '../../lib';
import type { PeerKind } from '../helpers/pair';
import { pair } from '../helpers/pair';
import { load, STANDARDS } from '../helpers/compile';

/** What a call came to: its result, or `{ code, data }` of the error. */
const outcome = (p: Promise<unknown>) =>
  p.then(
    (value) => value,
    (e: unknown) => (e instanceof PeerError ? { code: e.code, data: e.data } : String(e)),
  );

interface Point {
  x: number;
  y: number;
}

@serviceClass
class Typed {
  @request add(a: number, b: number) {
    return a + b;
  }
  @request greet(name: string, loud: boolean = false) {
    return loud ? name.toUpperCase() : name;
  }
  @request count(xs: string[]) {
    return xs.length;
  }
  @request when(d: Date) {
    return d instanceof Date ? 'Date' : typeof d;
  }
  @request size(b: Buffer) {
    return b instanceof Uint8Array ? b.length : typeof b;
  }
  @request shape(p: Point) {
    return typeof p;
  }
  @request anything(x: unknown) {
    return typeof x;
  }
  @request sum(first: number, ...rest: number[]) {
    return rest.reduce((s, n) => s + n, first);
  }
  @request scaled(a: number, k: number = 2) {
    return a * k;
  }
  @rpcRequest whoAdds(rpc: RpcContext, n: number) {
    return `${String(rpc.clientInfo)} ${n + 1}`;
  }
  @request({ checkTypes: false }) loose(n: number) {
    return typeof n;
  }
  @request maybe(s: string | null) {
    return s === null ? 'null' : s;
  }
}

describe.each<PeerKind>(['json', 'bson'])('design types over %s', (kind) => {
  const table: [string, unknown[] | Record<string, unknown>, unknown][] = [
    ['add', [1, 2], 3],
    ['add', [1, '2'], { code: -32602, data: { method: 'add', param: 'b', expected: 'number', got: 'string', message: '"b" must be number, got string' } }],
    ['add', { a: true, b: 2 }, { code: -32602, data: expect.objectContaining({ param: 'a', expected: 'number', got: 'boolean' }) }],
    ['greet', ['ada'], 'ada'],
    ['greet', ['ada', true], 'ADA'],
    ['greet', ['ada', 'yes'], { code: -32602, data: expect.objectContaining({ param: 'loud', expected: 'boolean', got: 'string' }) }],
    ['greet', [42], { code: -32602, data: expect.objectContaining({ param: 'name', got: 'number' }) }],
    ['count', [['a', 'b']], 2],
    ['count', [{ length: 2 }], { code: -32602, data: expect.objectContaining({ param: 'xs', expected: 'array', got: 'object' }) }],
    ['when', ['2026-11-30T19:00:00Z'], 'string'], // over JSON a date is a string: checked, not converted
    ['when', ['not a date'], { code: -32602, data: expect.objectContaining({ param: 'd', expected: 'Date or date string', got: 'string' }) }],
    ['when', [7], { code: -32602, data: expect.objectContaining({ param: 'd', got: 'number' }) }],
    ['size', ['aGVsbG8='], 'string'],
    ['size', [12], { code: -32602, data: expect.objectContaining({ param: 'b', expected: 'bytes', got: 'number' }) }],
    ['shape', [{ x: 1, y: 2 }], 'object'], // an interface erases to Object: unchecked
    ['shape', ['not a point'], 'string'],
    ['anything', [[1]], 'object'],
    ['sum', [1, 2, 3], 6],
    ['sum', [1, 'two'], '1two'], // rest elements are not checked: their type is not recorded
    ['sum', ['one', 2], { code: -32602, data: expect.objectContaining({ param: 'first' }) }],
    ['scaled', [3], 6],
    ['scaled', { a: 3 }, 6],
    ['scaled', [3, '4'], { code: -32602, data: expect.objectContaining({ param: 'k' }) }],
    ['whoAdds', [1], 'server 2'],
    ['whoAdds', ['1'], { code: -32602, data: expect.objectContaining({ param: 'n', got: 'string' }) }],
    ['loose', ['x'], 'string'],
    // Under a full type check `string | null` is String (isolated transpiling makes it Object): null is never checked.
    ['maybe', [null], 'null'],
  ];

  test('each call answers as the table says, and nothing is left running', async () => {
    const p = pair(kind, new Typed(), undefined, { clientInfo: 'server' }, {});
    const got = [];
    for (const [method, params] of table) got.push(await outcome(p.b.sendRequest(method, params)));
    expect(got).toEqual(table.map((row) => row[2]));
    await p.finish();
  });

  test('BSON carries Date and Buffer as themselves; JSON as a string and a Buffer\'s toJSON form', async () => {
    const p = pair(kind, new Typed());
    const date = await outcome(p.b.sendRequest('when', [new Date(0)]));
    const bytes = await outcome(p.b.sendRequest('size', [Buffer.from('hello')]));
    // JSON.stringify turns a Buffer into { type: 'Buffer', data: [...] }, which the bytes check accepts as it is.
    expect([date, bytes]).toEqual(kind === 'bson' ? ['Date', 5] : ['string', 'object']);
    await p.finish();
  });
});

test('a Buffer sent over JSON as its toJSON form passes the bytes check', async () => {
  const p = pair('json', new Typed());
  expect(await p.b.sendRequest('size', [{ type: 'Buffer', data: [1, 2] }])).toBe('object');
  await p.finish();
});

const positive: StandardSchema = {
  '~standard': { version: 1, vendor: 'test', validate: (x) => (typeof x === 'number' && x > 0 ? { value: x } : { issues: [{ message: 'must be positive', path: [] }] }) },
};

@serviceClass
class Schemas {
  @request({ validate: { a: z.number().int(), b: v.pipe(v.number(), v.maxValue(10)) }, returns: z.number().max(100) })
  mul(a: number, b: number) {
    return a * b;
  }
  @request({ validate: { tags: z.array(z.string().min(1)).max(3) } })
  tag(tags: string[]) {
    return tags.join(',');
  }
  @request({ validate: { when: z.coerce.date() } })
  year(when: Date) {
    return when.getUTCFullYear();
  }
  @request({ validate: { name: z.string().refine(async (s) => s !== 'taken', 'name is taken') } })
  async claim(name: string) {
    return `claimed ${name}`;
  }
  @request({ validate: { n: positive }, returns: v.string() })
  wrong(n: number) {
    return n;
  }
  @request({ validate: { opt: z.number() } })
  optional(x: number, opt: number | undefined = undefined) {
    return opt ?? 'absent';
  }
  @request({ returns: z.number() })
  async later(n: number) {
    return n > 0 ? n : 'negative';
  }
}

describe.each<PeerKind>(['json', 'bson'])('Standard Schema validators over %s', (kind) => {
  test('parameters and results', async () => {
    const p = pair(kind, new Schemas());
    const call = (m: string, params: unknown[] | Record<string, unknown>) => outcome(p.b.sendRequest(m, params));
    expect(await call('mul', [3, 4])).toBe(12);
    expect(await call('mul', { a: 1.5, b: 2 })).toEqual({
      code: -32602,
      data: { method: 'mul', param: 'a', issues: [{ message: expect.stringMatching(/integer|int/i) }], message: expect.stringMatching(/^"a": /) },
    });
    expect(await call('mul', [2, 11])).toEqual({ code: -32602, data: expect.objectContaining({ param: 'b', issues: [expect.objectContaining({ message: expect.any(String) })] }) });
    // Both fail: the first in parameter order is reported.
    expect(await call('mul', [0.5, 11])).toEqual({ code: -32602, data: expect.objectContaining({ param: 'a' }) });
    expect(await call('mul', [10, 10])).toBe(100);
    expect(await call('tag', [['a', '']])).toEqual({ code: -32602, data: expect.objectContaining({ param: 'tags', issues: [expect.objectContaining({ path: [1] })] }) });
    // The validator's output is what the handler gets: coerce turns the string into a Date.
    expect(await call('year', ['2026-11-30T00:00:00Z'])).toBe(2026);
    expect(await call('claim', ['mine'])).toBe('claimed mine');
    expect(await call('claim', ['taken'])).toEqual({ code: -32602, data: expect.objectContaining({ param: 'name', issues: [{ message: 'name is taken' }] }) });
    expect(await call('wrong', [-1])).toEqual({ code: -32602, data: expect.objectContaining({ param: 'n', issues: [{ message: 'must be positive' }] }) });
    expect(await call('optional', [1])).toBe('absent');
    expect(await call('optional', [1, 'x'])).toEqual({ code: -32602, data: expect.objectContaining({ param: 'opt' }) });
    await p.finish();
  });

  test('a result that fails its validator answers -32603 and is logged at error level', async () => {
    const p = pair(kind, new Schemas());
    expect(await outcome(p.b.sendRequest('mul', [10, 10.5]))).toEqual({ code: -32602, data: expect.objectContaining({ param: 'b' }) });
    expect(await outcome(p.b.sendRequest('wrong', [5]))).toEqual({ code: -32603, data: expect.objectContaining({ method: 'wrong', result: true, issues: [expect.any(Object)] }) });
    expect(await outcome(p.b.sendRequest('later', [-1]))).toEqual({ code: -32603, data: expect.objectContaining({ method: 'later', result: true }) });
    expect(await outcome(p.b.sendRequest('later', [2]))).toBe(2);
    const errors = p.logs.lines.filter((r) => r.level >= 50).map((r) => r.msg);
    expect(errors).toEqual([
      'the result of "wrong" failed its returns validator; answered -32603',
      'the result of "later" failed its returns validator; answered -32603',
    ]);
    await p.finish();
  });
});

test('defineService takes validate and returns in its handler options', async () => {
  const service = defineService({
    half: request((n: number) => n / 2, { validate: { n: z.number().multipleOf(2) }, returns: z.number().int() }),
    plain(a: number) {
      return a;
    },
  });
  const p = pair('json', service);
  expect(await p.b.sendRequest('half', [4])).toBe(2);
  expect(await outcome(p.b.sendRequest('half', [3]))).toEqual({ code: -32602, data: expect.objectContaining({ param: 'n' }) });
  // No decorators, no design types: a plain function's arguments are not checked.
  expect(await p.b.sendRequest('plain', ['x'])).toBe('x');
  await p.finish();
});

test('mistakes in the options throw at decoration, naming the method', () => {
  expect(() => defineService({ f: request((a: number) => a, { validate: { b: z.number() } }) })).toThrow(
    /Service\.f: validate names "b", which is not a parameter \(a\)/,
  );
  expect(() => defineService({ f: request((a: number) => a, { validate: { a: {} as StandardSchema } }) })).toThrow(/validate\.a is not a Standard Schema validator/);
  expect(() => defineService({ f: request((a: number) => a, { returns: 5 as unknown as StandardSchema }) })).toThrow(/returns is not a Standard Schema validator/);
  expect(() => {
    @serviceClass
    class N {
      @request({ name: 'n', returns: z.number() })
      n() {
        return 1;
      }
    }
    return N;
  }).not.toThrow();
  expect(() => defineService({}, { notifications: [] })).not.toThrow();
});

test('returns on a notification is refused', () => {
  expect(() => defineService({ f: notification((a: number) => a, { returns: z.number() }) })).toThrow(/returns applies to requests/);
});

test("the official @standard-schema/spec types and zod's and valibot's schemas fit StandardSchema", () => {
  const official: StandardSchemaV1<number> = z.number();
  const mine: StandardSchema[] = [official, z.string(), v.string(), v.pipe(v.number(), v.integer())];
  expect(mine.every((s) => s['~standard'].version === 1)).toBe(true);
});

describe('under TC39 standard decorators', () => {
  const SOURCE = `
    import { request, serviceClass } from 'bsonrpc';
    const positive = { '~standard': { version: 1, vendor: 'test',
      validate: (x) => typeof x === 'number' && x > 0 ? { value: x } : { issues: [{ message: 'must be positive' }] } } };
    @serviceClass export class S {
      @request({ validate: { n: positive } }) root(n: number) { return Math.sqrt(n); }
      @request typed(n: number) { return typeof n; }
    }`;

  test('validate works the same; design types do not exist, so nothing is checked from types', async () => {
    const { S } = load(SOURCE, { ...STANDARDS.standard, target: ts.ScriptTarget.ES2022 });
    const p = pair('json', new S());
    expect(await p.b.sendRequest('root', [16])).toBe(4);
    expect(await outcome(p.b.sendRequest('root', [-1]))).toEqual({ code: -32602, data: expect.objectContaining({ param: 'n', issues: [{ message: 'must be positive' }] }) });
    expect(await p.b.sendRequest('typed', ['a string'])).toBe('string');
    await p.finish();
  });

  test('legacy decorators of the same source check types', async () => {
    const { S } = load(SOURCE, { ...STANDARDS.legacy, target: ts.ScriptTarget.ES2022 });
    const p = pair('json', new S());
    expect(await outcome(p.b.sendRequest('typed', ['a string']))).toEqual({ code: -32602, data: expect.objectContaining({ param: 'n' }) });
    await p.finish();
  });
});

test('InternalError and InvalidParams are the classes callers see', async () => {
  const p = pair('json', new Schemas());
  await expect(p.b.sendRequest('mul', [1.5, 1])).rejects.toBeInstanceOf(InvalidParams);
  await expect(p.b.sendRequest('wrong', [1])).rejects.toBeInstanceOf(InternalError);
  await p.finish();
});
