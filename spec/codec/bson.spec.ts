import { Binary, BSON, Decimal128, Double, EJSON, Int32, Long, ObjectId } from 'bson';
import { BsonCodec, type BsonCodecOverride } from '../../lib/codec/bson';
import { CodecError, DecodingError, EncodingError, RpcError } from '../../lib/errors';
import { pyFrameBytes, pyFrames } from '../helpers/py-fixtures';

const pythonFrames = pyFrames('bson').map((f) => ({ file: f.file, bytes: pyFrameBytes(f), size: f.bytes, message: f.message as unknown }));

const codec = new BsonCodec();
const TWO_POW_53 = 2n ** 53n;

/** Canonical extended JSON of what is on the wire: shows int32 vs int64 vs double, datetime, binary subtype. */
function wire(bytes: Uint8Array): unknown {
  return EJSON.serialize(BSON.deserialize(bytes, { promoteValues: false }), { relaxed: false });
}

/** Canonical extended JSON of explicit js-bson values, for writing expected wire types. */
function ejson(value: unknown): unknown {
  return (EJSON.serialize({ v: value }, { relaxed: false }) as { v: unknown }).v;
}

/** Python sorts keys; this library keeps insertion order. Types and values are compared, not order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}

/**
 * The oracle for decoding, independent of the codec: canonical extended JSON
 * → js-bson wrappers → the documented JavaScript types.
 */
function expectedFromCanonical(message: unknown): unknown {
  const toJs = (v: unknown): unknown => {
    if (v instanceof Int32 || v instanceof Double) return v.value;
    if (v instanceof Long) {
      const big = v.toBigInt();
      return big <= TWO_POW_53 && big >= -TWO_POW_53 ? Number(big) : big;
    }
    if (v instanceof Binary) return Buffer.from(v.read(0, v.length()));
    if (Array.isArray(v)) return v.map(toJs);
    if (v instanceof Date) return v;
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJs(x)]));
    return v;
  };
  return toJs(EJSON.parse(JSON.stringify(message), { relaxed: false }));
}

/** An object with an own "__proto__" member (a literal would set the prototype instead). */
function protoKey(value: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  Object.defineProperty(o, '__proto__', { value, enumerable: true, writable: true, configurable: true });
  return o;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('BsonCodec', () => {
  test('declares the BSON-RPC version key and no batches', () => {
    expect(codec.versionKey).toBe('bsonrpc');
    expect(codec.supportsBatches).toBe(false);
  });

  describe('Python bsonrpc 0.2.1 fixtures', () => {
    test('every recorded frame is here', () => {
      expect(pythonFrames).toHaveLength(27);
    });

    test.each(pythonFrames)('reads $file with the documented types', ({ bytes, size, message }) => {
      expect(bytes.length).toBe(size);
      const decoded = codec.decode(bytes);
      expect(decoded).toStrictEqual(expectedFromCanonical(message));
      // Ids, whatever BSON type Python chose, come back as numbers.
      if ('id' in decoded) expect(typeof decoded.id).toBe('number');
    });

    test.each(pythonFrames)('writes $file back with the BSON types Python used, byte for byte', ({ bytes, message }) => {
      const encoded = codec.encode(codec.decode(bytes));
      expect(sortKeys(wire(encoded))).toEqual(sortKeys(message));
      // Decoding keeps Python's (sorted) key order, so even the bytes match.
      expect(encoded.equals(bytes)).toBe(true);
    });

    // The same messages as a JavaScript user writes them (natural key order,
    // plain numbers and bigint, Date, Buffer): Python sees its own types.
    const when = new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678));
    const bytes5 = Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff]);
    test.each([
      ['bson-bson-binary-1-c2s.bson', { bsonrpc: '2.0', id: 37, method: 'echo', params: [bytes5] }],
      ['bson-bson-binary-1-c2s.bson', { bsonrpc: '2.0', id: 37, method: 'echo', params: [new Uint8Array(bytes5)] }],
      ['bson-bson-binary-2-s2c.bson', { bsonrpc: '2.0', id: 37, result: bytes5 }],
      ['bson-bson-datetime-1-c2s.bson', { bsonrpc: '2.0', id: 38, method: 'echo', params: [when] }],
      ['bson-bson-datetime-2-s2c.bson', { bsonrpc: '2.0', id: 38, result: when }],
      ['bson-bson-int64-1-c2s.bson', { bsonrpc: '2.0', id: 39, method: 'add', params: [2 ** 40, 1] }],
      ['bson-bson-int64-1-c2s.bson', { bsonrpc: '2.0', id: 39, method: 'add', params: [2n ** 40n, 1] }],
      ['bson-bson-int64-2-s2c.bson', { bsonrpc: '2.0', id: 39, result: 2 ** 40 + 1 }],
      ['bson-bson-int32-boundary-1-c2s.bson', { bsonrpc: '2.0', id: 40, method: 'add', params: [2 ** 31 - 1, 1] }],
      ['bson-bson-int32-boundary-2-s2c.bson', { bsonrpc: '2.0', id: 40, result: 2 ** 31 }],
      ['bson-nested-1-c2s.bson', { bsonrpc: '2.0', id: 34, method: 'echo', params: [{ e: {}, a: [1, 2.5, null, true, { b: 'c' }] }] }],
      ['bson-unicode-2-s2c.bson', { bsonrpc: '2.0', id: 33, result: 'häßlich 日本 🎉' }],
      ['bson-error-server-2-s2c.bson', { bsonrpc: '2.0', id: 31, error: { code: -32000, message: 'Server error', data: 'deliberate failure' } }],
      ['bson-request-named-1-c2s.bson', { bsonrpc: '2.0', id: 30, method: 'echo_times', params: { txt: '-hi-', n: 2 } }],
      ['bson-notification-1-c2s.bson', { bsonrpc: '2.0', method: 'report_progress', params: ['from client'], id: undefined }],
    ])('a JavaScript message encodes to the types of %s', (file, message) => {
      const frame = pythonFrames.find((f) => f.file === file)!;
      expect(sortKeys(wire(codec.encode(message)))).toEqual(sortKeys(frame.message));
    });
  });

  // [label, JavaScript value, BSON value on the wire (as js-bson values), value decoded back]
  class Point {
    x = 2 ** 40;
    y = 1;
  }
  const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const encodeTable: Array<[string, unknown, unknown, unknown]> = [
    ['Date', new Date(1577934245678), new Date(1577934245678), new Date(1577934245678)],
    ['Date before 1970', new Date(-1), new Date(-1), new Date(-1)],
    ['Buffer', Buffer.from([0, 1, 2, 254, 255]), new Binary(Buffer.from([0, 1, 2, 254, 255]), 0), Buffer.from([0, 1, 2, 254, 255])],
    ['Uint8Array', new Uint8Array([0, 1, 255]), new Binary(Buffer.from([0, 1, 255]), 0), Buffer.from([0, 1, 255])],
    ['ArrayBuffer', new Uint8Array([7, 8]).buffer, new Binary(Buffer.from([7, 8]), 0), Buffer.from([7, 8])],
    ['empty Buffer', Buffer.alloc(0), new Binary(Buffer.alloc(0), 0), Buffer.alloc(0)],
    ['bigint (small)', 5n, Long.fromNumber(5), 5],
    ['bigint beyond 2^53', 2n ** 62n, Long.fromBigInt(2n ** 62n), 2n ** 62n],
    ['bigint int64 max', 2n ** 63n - 1n, Long.MAX_VALUE, 2n ** 63n - 1n],
    ['bigint int64 min', -(2n ** 63n), Long.MIN_VALUE, -(2n ** 63n)],
    ['int32 max', 2 ** 31 - 1, new Int32(2 ** 31 - 1), 2 ** 31 - 1],
    ['int32 min', -(2 ** 31), new Int32(-(2 ** 31)), -(2 ** 31)],
    ['2^31', 2 ** 31, Long.fromNumber(2 ** 31), 2 ** 31],
    ['-(2^31)-1', -(2 ** 31) - 1, Long.fromNumber(-(2 ** 31) - 1), -(2 ** 31) - 1],
    ['2^53-1', 2 ** 53 - 1, Long.fromNumber(2 ** 53 - 1), 2 ** 53 - 1],
    ['2^53', 2 ** 53, Long.fromNumber(2 ** 53), 2 ** 53],
    ['2^53+2 (integral, not safe)', 2 ** 53 + 2, Long.fromNumber(2 ** 53 + 2), 2n ** 53n + 2n],
    ['-(2^53)-2', -(2 ** 53) - 2, Long.fromNumber(-(2 ** 53) - 2), -(2n ** 53n) - 2n],
    ['2^63 (beyond int64)', 2 ** 63, new Double(2 ** 63), 2 ** 63],
    ['1.5', 1.5, new Double(1.5), 1.5],
    ['-0', -0, new Int32(0), 0],
    ['NaN', NaN, new Double(NaN), NaN],
    ['-Infinity', -Infinity, new Double(-Infinity), -Infinity],
    ['true', true, true, true],
    ['null', null, null, null],
    ['unicode', 'häßlich 日本 🎉 \u0000 inside', 'häßlich 日本 🎉 \u0000 inside', 'häßlich 日本 🎉 \u0000 inside'],
    ['nested', { a: [1, 2.5, null, true, { b: 'c' }], e: {} }, { a: [new Int32(1), new Double(2.5), null, true, { b: 'c' }], e: {} }, { a: [1, 2.5, null, true, { b: 'c' }], e: {} }],
    ['big integer deep inside', { a: [{ b: [2 ** 40] }] }, { a: [{ b: [Long.fromNumber(2 ** 40)] }] }, { a: [{ b: [2 ** 40] }] }],
    ['undefined member dropped', { a: 1, b: undefined }, { a: new Int32(1) }, { a: 1 }],
    ['Map with string keys', new Map([['k', 2 ** 40]]), { k: Long.fromNumber(2 ** 40) }, { k: 2 ** 40 }],
    ['class instance (own enumerable members)', new Point(), { x: Long.fromNumber(2 ** 40), y: new Int32(1) }, { x: 2 ** 40, y: 1 }],
    ['toJSON() result', { toJSON: () => ({ iso: 'x', n: 2 ** 40 }) }, { iso: 'x', n: Long.fromNumber(2 ** 40) }, { iso: 'x', n: 2 ** 40 }],
    ['toBSON() result', { toBSON: () => ({ n: 1 }) }, { n: new Int32(1) }, { n: 1 }],
    ['"__proto__" as an ordinary key', protoKey({ n: 2 ** 32 }), protoKey({ n: Long.fromNumber(2 ** 32) }), protoKey({ n: 2 ** 32 })],
    ['explicit Double for an integral value', new Double(1), new Double(1), 1],
    ['explicit Int32', new Int32(5), new Int32(5), 5],
    ['explicit Long', Long.fromNumber(7), Long.fromNumber(7), 7],
    ['Binary of another subtype (UUID)', new Binary(uuid, 4), new Binary(uuid, 4), uuid],
  ];

  describe.each(encodeTable)('%s', (_label, value, onWire, back) => {
    const encoded = codec.encode({ bsonrpc: '2.0', id: 1, result: value });

    test('goes on the wire as the expected BSON type', () => {
      expect((wire(encoded) as { result: unknown }).result).toEqual(ejson(onWire));
    });

    test('decodes to the expected JavaScript value and type', () => {
      expect(codec.decode(encoded)).toStrictEqual({ bsonrpc: '2.0', id: 1, result: back });
    });
  });

  // [label, BSON value sent by another implementation, JavaScript value received]
  test.each([
    ['int32 id', new Int32(7), 7],
    ['int64 id', Long.fromNumber(7), 7],
    ['double id', new Double(7), 7],
    ['int64 beyond 2^53', Long.fromString('9223372036854775807'), 9223372036854775807n],
    ['int64 below -2^53', Long.fromString('-9007199254740993'), -9007199254740993n],
    ['binary subtype 0', new Binary(Buffer.from('ab'), 0), Buffer.from('ab')],
    ['binary subtype 2 (old)', new Binary(Buffer.from('ab'), 2), Buffer.from('ab')],
    ['a "_bsontype" key in a plain document', new Map<string, unknown>([['_bsontype', 'Long'], ['n', new Int32(1)]]), { _bsontype: 'Long', n: 1 }],
  ])('decodes %s', (_label, sent, received) => {
    const bytes = BSON.serialize({ bsonrpc: '2.0', id: sent });
    expect(codec.decode(Buffer.from(bytes))).toStrictEqual({ bsonrpc: '2.0', id: received });
  });

  test('a document with a "_bsontype" key (e.g. echoed from Python) survives the round trip', () => {
    const data = { _bsontype: 'Long', n: 2 ** 40, inner: { _bsontype: 'Binary' } };
    const encoded = codec.encode({ bsonrpc: '2.0', id: 1, result: data });
    expect(codec.decode(encoded)).toStrictEqual({ bsonrpc: '2.0', id: 1, result: data });
  });

  test('leaves BSON types without a JavaScript counterpart as js-bson objects', () => {
    const oid = new ObjectId();
    const bytes = BSON.serialize({ o: oid, d: Decimal128.fromString('1.5') });
    const decoded = codec.decode(Buffer.from(bytes));
    expect(decoded.o).toBeInstanceOf(ObjectId);
    expect(decoded.d).toBeInstanceOf(Decimal128);
  });

  test('params: undefined is left out, as JSON does (not an error)', () => {
    const encoded = codec.encode({ bsonrpc: '2.0', method: 'm', params: undefined });
    expect(codec.decode(encoded)).toStrictEqual({ bsonrpc: '2.0', method: 'm' });
  });

  test('a message needing no conversion is not copied or mutated', () => {
    const message = { bsonrpc: '2.0', id: 1, params: [2 ** 40, { when: new Date(0) }] };
    const before = JSON.stringify(message);
    codec.encode(message);
    expect(JSON.stringify(message)).toBe(before);
    expect(typeof message.params[0]).toBe('number');
  });

  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  // [label, message, error message pattern]
  test.each([
    ['a function', () => 1, /a message must be a document, not a function/],
    ['a symbol', Symbol('s'), /not a symbol/],
    ['a top-level array (a batch)', [{ bsonrpc: '2.0', method: 'm' }], /no batches/],
    ['undefined as the whole message', undefined, /not undefined/],
    ['null', null, /not null/],
    ['a string', 'x', /not a string/],
    ['a Date as the whole message', new Date(0), /not an object/],
    ['a toJSON() returning a string as the whole message', { toJSON: () => 'x' }, /not a string/],
    ['a function inside params', { params: [{ cb: () => 1 }] }, /a function has no BSON form at params\[0\]\.cb$/],
    ['a symbol inside params', { params: [1, Symbol('s')] }, /a symbol has no BSON form at params\[1\]$/],
    ['an undefined param', { params: [1, undefined] }, /undefined has no BSON form in an array at params\[1\]$/],
    ['an odd key in the path', { params: { 'a b': () => 1 } }, /at params\["a b"\]$/],
    ['a bigint beyond int64', { id: 2n ** 63n }, /bigint 9223372036854775808 is outside the int64 range at id$/],
    ['a bigint below int64', { id: -(2n ** 63n) - 1n }, /outside the int64 range/],
    ['an invalid Date', { params: [new Date(NaN)] }, /an invalid Date has no BSON form at params\[0\]$/],
    ['a Float64Array', { params: [new Float64Array(1)] }, /a Float64Array has no BSON form/],
    ['a cycle', { params: [cyclic] }, /a circular reference has no BSON form at params\[0\]\.self$/],
    ['a Map with a non-string key', { params: new Map([[1, 'x']]) }, /a Map key must be a string, not a number at params$/],
  ])('refuses to encode %s with EncodingError', (_label, message, pattern) => {
    const err = thrown(() => codec.encode(message));
    expect(err).toBeInstanceOf(EncodingError);
    expect(err).toBeInstanceOf(CodecError);
    expect(err).toBeInstanceOf(RpcError);
    expect(err.message).toMatch(/^cannot encode message as BSON: /);
    expect(err.message).toMatch(pattern);
  });

  test.each([
    ['a key containing a NUL byte', { 'a\u0000b': 1 }],
    ['a throwing toJSON()', { params: [{ toJSON: () => { throw new Error('nope'); } }] }],
  ])('wraps a foreign failure (%s) into EncodingError with cause', (_label, message) => {
    const err = thrown(() => codec.encode(message));
    expect(err).toBeInstanceOf(EncodingError);
    expect(err.cause).toBeInstanceOf(Error);
  });

  const sample = codec.encode({ bsonrpc: '2.0', id: 1, result: 'ok' });
  const badUtf8 = Buffer.from(sample);
  badUtf8[badUtf8.indexOf('ok') + 0] = 0xff;
  const unterminated = Buffer.from(sample);
  unterminated[unterminated.length - 1] = 1;
  const smallerLength = Buffer.from(sample);
  smallerLength.writeInt32LE(sample.length - 1, 0);
  test.each([
    ['garbage bytes', Buffer.from('garbage!garbage!')],
    ['an empty payload', Buffer.alloc(0)],
    ['a truncated document', sample.subarray(0, sample.length - 3)],
    ['trailing bytes after the document', Buffer.concat([sample, Buffer.from([0])])],
    ['invalid UTF-8 in a string', badUtf8],
    ['a document not ending in NUL', unterminated],
    ['a length prefix smaller than the document', smallerLength],
  ])('wraps a failure to decode %s into DecodingError with cause', (_label, payload) => {
    const err = thrown(() => codec.decode(payload));
    expect(err).toBeInstanceOf(DecodingError);
    expect(err).toBeInstanceOf(CodecError);
    expect(err.message).toMatch(/^invalid BSON document: /);
    expect(err.cause).toBeInstanceOf(Error);
  });

  test('every proper prefix of every Python frame is a DecodingError', () => {
    for (const { bytes } of pythonFrames) {
      for (let n = 0; n < bytes.length; n++) {
        expect(() => codec.decode(bytes.subarray(0, n))).toThrow(DecodingError);
      }
    }
  });

  test('a message larger than js-bson\'s 17 MiB shared buffer is encoded whole, not truncated', () => {
    const text = 'a'.repeat(18 * 1024 * 1024);
    const encoded = codec.encode({ bsonrpc: '2.0', id: 1, result: text });
    expect(encoded.readInt32LE(0)).toBe(encoded.length);
    expect(codec.decode(encoded).result).toBe(text);
  });

  describe('with a replacement BSON library', () => {
    test('gets the converted message and has its wrappers normalised', () => {
      const seen: Array<Record<string, unknown>> = [];
      const library: BsonCodecOverride = {
        serialize(doc) {
          seen.push(doc);
          return BSON.serialize(doc);
        },
        // Wrappers everywhere, as an older or differently configured js-bson returns them.
        deserialize: (bytes) => BSON.deserialize(bytes, { promoteValues: false }),
      };
      const custom = new BsonCodec(library);
      const bin = Buffer.from([1, 2, 3]);
      const encoded = custom.encode({ bsonrpc: '2.0', id: 1, result: [2 ** 40, 1.5, bin, 2n ** 60n] });
      expect(Buffer.isBuffer(encoded)).toBe(true);
      expect((seen[0].result as unknown[])[0]).toBe(2n ** 40n);
      expect(custom.decode(encoded)).toStrictEqual({ bsonrpc: '2.0', id: 1, result: [2 ** 40, 1.5, bin, 2n ** 60n] });
    });

    test('its failures are wrapped', () => {
      const boom = new Error('boom');
      const custom = new BsonCodec({
        serialize: () => {
          throw boom;
        },
        deserialize: () => {
          throw boom;
        },
      });
      expect(thrown(() => custom.encode({ a: 1 }))).toEqual(expect.objectContaining({ name: 'EncodingError', cause: boom }));
      expect(thrown(() => custom.decode(Buffer.alloc(5)))).toEqual(expect.objectContaining({ name: 'DecodingError', cause: boom }));
    });
  });
});
