/**
 * The direct BSON reader and writer (lib/codec/bson-read.ts, bson-write.ts)
 * against js-bson, which they stand in for on the common message shapes:
 * - the writer must produce js-bson's bytes exactly, and hand back
 *   (`undefined`) only what it documents as js-bson's job;
 * - the reader must decode to exactly what the js-bson path of the codec
 *   makes of the same bytes, and on corrupted bytes must never accept what
 *   js-bson rejects.
 *
 * Generated values, fixed seed: `WIRE_SEED=<seed>` reproduces a failure.
 */
import { Binary, BSON, BSONRegExp, Decimal128, MaxKey, ObjectId, Timestamp } from 'bson';
import fc from 'fast-check';
import { inspect } from 'node:util';
import { BsonCodec } from '../../lib/codec/bson';
import { readDocument } from '../../lib/codec/bson-read';
import { MAX_DEPTH, writeDocument } from '../../lib/codec/bson-write';

const SEED = Number(process.env.WIRE_SEED ?? 20261121);
const PARAMS = { seed: SEED, numRuns: 400, endOnFailure: true };

/** The options BsonCodec gives js-bson. */
const SERIALIZE = { ignoreUndefined: true, checkKeys: false, serializeFunctions: false };
const DESERIALIZE = { promoteValues: true, promoteLongs: true, promoteBuffers: true };

/** A codec that always takes the js-bson path (a "replacement library" that is js-bson itself): the oracle. */
const viaJsBson = new BsonCodec({
  serialize: (doc) => BSON.serialize(doc, SERIALIZE),
  deserialize: (bytes) => BSON.deserialize(bytes, DESERIALIZE),
});
const codec = new BsonCodec();
/** js-bson's bytes, typed as the Buffer a framing delivers. */
const serialize = (doc: object): Buffer => Buffer.from(BSON.serialize(doc, SERIALIZE));

/** Keys without NUL (js-bson refuses those; see the NUL test), '$' allowed. */
const key = fc.string({ unit: 'binary', maxLength: 8 }).filter((k) => !k.includes('\0') && k !== '__proto__');

/** What the direct path handles: every BSON-RPC value type. */
const { value: plainValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ maxLength: 60 }),
    fc.integer(),
    fc.double(),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.boolean(),
    fc.constant(null),
    fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }),
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));
const plainDocument = fc.dictionary(key, plainValue, { maxKeys: 6 });

/** Values the direct path leaves to js-bson. */
const exotic = fc.oneof(
  fc.constant(new ObjectId('65f0c0ffee0000000000beef')),
  fc.constant(Decimal128.fromString('1.5')),
  fc.constant(new Binary(Buffer.from('0123456789abcdef'), 4)),
  fc.constant(new BSONRegExp('a+', 'i')),
  fc.constant(new Timestamp({ t: 1, i: 2 })),
  fc.constant(new MaxKey()),
  fc.constant({ $ref: 'c', $id: 1 }),
);
const mixedDocument = fc.tuple(plainDocument, key, exotic).map(([doc, k, x]) => ({ ...doc, [k]: { inner: [x] } }));

/** Comparable form: order of keys, -0/NaN (Object.is), Dates (also invalid), Buffers, bigints, js-bson values. */
function canon(v: unknown): unknown {
  if (v instanceof Date) return { date: String(v.getTime()) };
  if (Buffer.isBuffer(v)) return { buffer: v.toString('hex') };
  if (typeof v === 'bigint') return { bigint: String(v) };
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v === 'object' && v !== null) {
    if (Object.getPrototypeOf(v) !== Object.prototype) return { other: inspect(v) };
    return { entries: Object.keys(v).map((k) => [k, canon((v as Record<string, unknown>)[k])]) };
  }
  return v;
}

function outcome(f: () => unknown): unknown {
  try {
    return { ok: canon(f()) };
  } catch (err) {
    return { threw: err instanceof Error ? err.constructor.name : typeof err };
  }
}

describe('BSON writer: the same bytes as js-bson', () => {
  it('writes every generated document exactly as js-bson serialize does', () => {
    fc.assert(
      fc.property(plainDocument, (doc) => {
        const ours = writeDocument(doc);
        expect(ours).toBeInstanceOf(Buffer);
        expect(ours!.equals(BSON.serialize(doc, SERIALIZE))).toBe(true);
      }),
      PARAMS,
    );
  });

  it('covers each type boundary: int32 edges, -0, NaN, int64 edges, dates before 1970, multi-byte keys, undefined', () => {
    const doc = {
      i: [0, -1, 0x7fffffff, -0x80000000, 0x80000000, -0x80000001, -0, NaN, Infinity, 1.5],
      l: [-(2n ** 63n), 2n ** 63n - 1n, 0n],
      d: [new Date(-1), new Date(0), new Date(-8.64e15), new Date(8.64e15)],
      'ключ': 'значение \u{1F600}',
      lone: '\uD800 x',
      skipped: undefined,
      inArray: [undefined, null],
      b: [Buffer.alloc(0), new Uint8Array([1, 2, 3])],
      long: 'x'.repeat(100_000),
      many: Array.from({ length: 1200 }, (_, n) => n),
    };
    expect(writeDocument(doc)!.equals(BSON.serialize(doc, SERIALIZE))).toBe(true);
  });

  it.each([
    ['a js-bson value', { x: new ObjectId() }],
    ['a RegExp', { x: /a/ }],
    ['a Map', { x: new Map([['a', 1]]) }],
    ['an object with toBSON', { x: { toBSON: () => 1 } }],
    ['a key holding NUL', { 'a\0b': 1 }],
    ['a function', { x: () => 1 }],
    ['nesting past MAX_DEPTH', { x: Array.from({ length: MAX_DEPTH + 2 }).reduce((inner: unknown) => [inner], 1) }],
  ])('leaves a document holding %s to js-bson', (_what, doc) => {
    expect(writeDocument(doc)).toBeUndefined();
  });

  it('gives up on a member that changes between its sizing and its writing', () => {
    let reads = 0;
    const doc = Object.defineProperty({}, 'x', { enumerable: true, get: () => 'y'.repeat(++reads * 10) });
    expect(writeDocument(doc)).toBeUndefined();
    // The codec then encodes it through js-bson: what the getter returned last is sent.
    const sent = BSON.deserialize(codec.encode(doc));
    expect(sent).toEqual({ x: 'y'.repeat(reads * 10) });
  });
});

describe('BSON reader: the same values as the js-bson path', () => {
  it('decodes every generated document as the js-bson path does, without handing any back', () => {
    fc.assert(
      fc.property(plainDocument, (doc) => {
        const bytes = serialize(doc);
        const hasDollarKey = JSON.stringify(Object.keys(doc)).includes('"$');
        const ours = readDocument(bytes);
        if (!hasDollarKey) expect(ours).toBeDefined();
        if (ours !== undefined) expect(canon(ours)).toEqual(canon(viaJsBson.decode(bytes)));
      }),
      PARAMS,
    );
  });

  it('hands documents with other BSON types to js-bson, and the codec decodes them as js-bson does', () => {
    fc.assert(
      fc.property(mixedDocument, (doc) => {
        const bytes = serialize(doc);
        expect(readDocument(bytes)).toBeUndefined();
        expect(canon(codec.decode(bytes))).toEqual(canon(viaJsBson.decode(bytes)));
      }),
      PARAMS,
    );
  });

  it('never accepts a corrupted document that js-bson rejects, nor decodes one differently', () => {
    const mutation = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), kind: fc.constantFrom('set', 'truncate', 'append') });
    fc.assert(
      fc.property(plainDocument, fc.array(mutation, { minLength: 1, maxLength: 3 }), (doc, mutations) => {
        let bytes = serialize(doc);
        for (const m of mutations) {
          const at = m.at % (bytes.length + 1);
          if (m.kind === 'set' && at < bytes.length) bytes[at] = m.byte;
          else if (m.kind === 'truncate') bytes = bytes.subarray(0, at);
          else bytes = Buffer.concat([bytes, Buffer.from([m.byte])]);
        }
        expect(outcome(() => codec.decode(bytes))).toEqual(outcome(() => viaJsBson.decode(bytes)));
      }),
      { ...PARAMS, numRuns: 2000 },
    );
  });

  it('keeps "__proto__" as an own member, and rejects invalid UTF-8 in strings but not in keys, as js-bson does', () => {
    const proto = Buffer.from(BSON.serialize({ a: 1 }));
    const withProto = Buffer.concat([Buffer.from([0, 0, 0, 0, 0x10]), Buffer.from('__proto__\0'), Buffer.from([7, 0, 0, 0, 0])]);
    withProto.writeInt32LE(withProto.length, 0);
    const decoded = readDocument(withProto)!;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toBe(7);
    expect(readDocument(proto)).toEqual({ a: 1 });

    const badValue = Buffer.from(BSON.serialize({ s: 'ab' }));
    badValue[badValue.indexOf('ab')] = 0xff;
    expect(readDocument(badValue)).toBeUndefined();
    expect(() => codec.decode(badValue)).toThrow(/invalid BSON document/);

    const badKey = Buffer.from(BSON.serialize({ ab: 1 }));
    badKey[badKey.indexOf('ab')] = 0xff;
    expect(canon(readDocument(badKey))).toEqual(canon(viaJsBson.decode(badKey)));
  });

  it('returns binary as a view into the frame, and int64 as a number up to 2^53 and a bigint beyond', () => {
    const bytes = Buffer.from(BSON.serialize({ b: Buffer.from('xyz'), n: [2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, -(2n ** 53n) - 1n] }));
    const doc = readDocument(bytes) as { b: Buffer; n: unknown[] };
    expect(doc.b.buffer).toBe(bytes.buffer);
    expect(doc.n).toEqual([2 ** 53, -(2 ** 53), 2n ** 53n + 1n, -(2n ** 53n) - 1n]);
  });

  it('leaves nesting past MAX_DEPTH to js-bson, which decodes it', () => {
    const deep = Array.from({ length: MAX_DEPTH + 5 }).reduce((inner: unknown) => ({ a: inner }), 1) as Record<string, unknown>;
    const bytes = serialize(deep);
    expect(readDocument(bytes)).toBeUndefined();
    expect(codec.decode(bytes)).toEqual(deep);
  });
});
