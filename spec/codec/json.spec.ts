import fc from 'fast-check';
import { JsonCodec, type JsonCodecOverride } from '../../lib/codec/json';
import { CodecError, DecodingError, EncodingError, RpcError } from '../../lib/errors';
import { pyFrameBytes, pyFrames, type PyWire } from '../helpers/py-fixtures';

/** The JSON text inside a recorded frame (framing bytes removed; framing has its own specs). */
function payloadOf(wire: PyWire, bytes: Buffer): Buffer {
  if (wire === 'frameless') return bytes;
  if (wire === 'rfc7464') return bytes.subarray(1, bytes.length - 1); // RS … LF
  return bytes.subarray(bytes.indexOf(0x3a) + 1, bytes.length - 1); // netstring: len ':' … ','
}

const pythonFrames = (['frameless', 'rfc7464', 'netstring'] as const).flatMap((wire) =>
  pyFrames(wire).map((f) => [f.file, payloadOf(wire, pyFrameBytes(f)), f.message as unknown] as const),
);

describe('JsonCodec', () => {
  const codec = new JsonCodec();

  test('declares the JSON-RPC version key and batch support', () => {
    expect(codec.versionKey).toBe('jsonrpc');
    expect(codec.supportsBatches).toBe(true);
  });

  test('there are Python frames to read', () => {
    expect(pythonFrames.length).toBeGreaterThan(40);
  });

  test.each(pythonFrames)('reads Python frame %s', (_file, payload, message) => {
    expect(codec.decode(payload)).toEqual(message);
  });

  test.each(pythonFrames)('writes what Python reads back as the same message: %s', (_file, _payload, message) => {
    const text = codec.encode(message);
    expect(typeof text).toBe('string');
    expect(JSON.parse(text)).toEqual(message);
  });

  test.each([
    ['a request', { jsonrpc: '2.0', id: 1, method: 'm', params: [1, 'a'] }, '{"jsonrpc":"2.0","id":1,"method":"m","params":[1,"a"]}'],
    ['a batch', [{ jsonrpc: '2.0', method: 'n' }], '[{"jsonrpc":"2.0","method":"n"}]'],
    ['non-ASCII text, unescaped', { s: 'häß 日本 🎉' }, '{"s":"häß 日本 🎉"}'],
    ['undefined members dropped', { a: undefined, b: 1 }, '{"b":1}'],
    ['undefined elements as null', [undefined, 1], '[null,1]'],
    ['a Date as its ISO string', { d: new Date(Date.UTC(2020, 0, 2, 3, 4, 5, 678)) }, '{"d":"2020-01-02T03:04:05.678Z"}'],
    ['null', null, 'null'],
  ])('encodes %s compactly', (_label, value, text) => {
    expect(codec.encode(value)).toBe(text);
  });

  test.each([
    ['non-ASCII escapes as Python writes them', '{"s":"h\\u00e4\\ud83c\\udf89"}', { s: 'hä🎉' }],
    ['raw UTF-8', '{"s":"日本"}', { s: '日本' }],
    ['a batch', '[{"a":1},{"b":2}]', [{ a: 1 }, { b: 2 }]],
    ['surrounding whitespace', ' \n{"a":1}\r\n', { a: 1 }],
    ['a scalar (the peer judges shapes)', '42', 42],
  ])('decodes %s', (_label, text, value) => {
    expect(codec.decode(Buffer.from(text, 'utf8'))).toEqual(value);
  });

  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  test.each([
    ['a bigint', { id: 1n }, true],
    ['a cycle', cyclic, true],
    ['a throwing toJSON', { toJSON: () => { throw new Error('nope'); } }, true],
    ['undefined', undefined, false],
    ['a function', () => 1, false],
    ['a symbol', Symbol('s'), false],
  ])('refuses to encode %s with EncodingError', (_label, value, hasCause) => {
    let caught: unknown;
    try {
      codec.encode(value);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EncodingError);
    expect(caught).toBeInstanceOf(CodecError);
    expect(caught).toBeInstanceOf(RpcError);
    expect((caught as Error).message).toMatch(/^cannot encode message as JSON: /);
    expect((caught as Error).cause !== undefined).toBe(hasCause);
  });

  test.each([
    ['garbage', 'garbage'],
    ['an empty payload', ''],
    ['a truncated object', '{"jsonrpc":"2.0","id":1'],
    ['two values', '{}{}'],
    ['a trailing comma', '[1,]'],
    ['a raw control character inside a string', '"a\u0001"'],
  ])('wraps a parse failure of %s into DecodingError with cause', (_label, text) => {
    let caught: unknown;
    try {
      codec.decode(Buffer.from(text, 'utf8'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DecodingError);
    expect(caught).toBeInstanceOf(CodecError);
    expect((caught as Error).message).toMatch(/^invalid JSON: /);
    expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
  });

  describe('text decoding (large payloads take an ASCII fast path)', () => {
    // A parse that returns its input shows exactly which string decode produced.
    const seeText = new JsonCodec({ parse: (text) => text, stringify: JSON.stringify });

    test.each([
      ['small ASCII', Buffer.from('{"a":"b"}')],
      ['large ASCII', Buffer.from(JSON.stringify({ s: 'x'.repeat(10_000) }))],
      ['large, one multi-byte character at the very end', Buffer.from(JSON.stringify({ s: 'x'.repeat(10_000) + 'é' }))],
      ['large, invalid UTF-8 in the middle', Buffer.concat([Buffer.alloc(5000, 0x61), Buffer.from([0xc3, 0x28, 0xff]), Buffer.alloc(5000, 0x62)])],
      ['over 1 MB of ASCII (decoded as UTF-8: see ASCII_UNTIL)', Buffer.from(JSON.stringify({ s: 'x'.repeat(1_100_000) }))],
    ])('%s decodes exactly as UTF-8', (_label, payload) => {
      expect(seeText.decode(payload)).toBe(payload.toString('utf8'));
    });

    test('any bytes, around the size where the fast path starts, decode as UTF-8', () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 4000, maxLength: 4200 }), fc.boolean(), (bytes, ascii) => {
          const payload = Buffer.from(ascii ? bytes.map((b) => b & 0x7f) : bytes);
          expect(seeText.decode(payload)).toBe(payload.toString('utf8'));
        }),
        { numRuns: 200 },
      );
    });
  });

  test('compactText: promised with the built-in JSON only', () => {
    expect(new JsonCodec().compactText).toBe(true);
    expect(new JsonCodec(JSON).compactText).toBe(true);
    expect(new JsonCodec({ parse: JSON.parse, stringify: (v) => JSON.stringify(v, null, 2) }).compactText).toBe(false);
  });

  describe('with a replacement JSON implementation', () => {
    test('uses it for both directions, called as methods of the object given', () => {
      const calls: string[] = [];
      const replacement: JsonCodecOverride & { tag: string } = {
        tag: 'mine',
        parse(text) {
          calls.push(`${this.tag}.parse ${text}`);
          return { parsed: text };
        },
        stringify(value) {
          calls.push(`${this.tag}.stringify`);
          return `<${typeof value}>`;
        },
      };
      const custom = new JsonCodec(replacement);
      expect(custom.encode({ id: 1n })).toBe('<object>');
      expect(custom.decode(Buffer.from('x'))).toEqual({ parsed: 'x' });
      expect(calls).toEqual(['mine.stringify', 'mine.parse x']);
    });

    test('wraps its failures, and a non-string result, into codec errors', () => {
      const boom = new Error('boom');
      const custom = new JsonCodec({
        parse: () => {
          throw boom;
        },
        stringify: (v) => (v === 1 ? (undefined as unknown as string) : (() => { throw boom; })()),
      });
      expect(() => custom.decode(Buffer.from('{}'))).toThrow(expect.objectContaining({ name: 'DecodingError', cause: boom }));
      expect(() => custom.encode({})).toThrow(expect.objectContaining({ name: 'EncodingError', cause: boom }));
      expect(() => custom.encode(1)).toThrow(EncodingError);
    });
  });
});
