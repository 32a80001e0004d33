/**
 * The contract every built-in framing shares, checked from one table of
 * messages: encode, then decode the concatenated frames whole, split at
 * every byte boundary, byte by byte and in random chunkings.
 */
import { BSON, Binary, Long } from 'bson';
import fc from 'fast-check';
import { bsonLengthFraming, ndjsonFraming, rfc7464Framing, type Framing } from '../../lib/framing';
import { ownedPieces, pieces, splitAt } from '../helpers/chunks';
import { JSON_FRAMINGS, JSON_TEXTS, decodeWith, expectPayloads } from './support';

interface Case {
  framing: Framing;
  /** label, what is passed to encode, the payload expected back */
  messages: Array<{ label: string; input: string | Buffer; payload: Buffer }>;
}

const jsonMessages = JSON_TEXTS.map(([label, text]) => ({ label, input: text, payload: Buffer.from(text, 'utf8') }));

const bsonDocs: Array<[string, Record<string, unknown>]> = [
  ['request', { bsonrpc: '2.0', id: 1, method: 'swapper', params: ['Hello World!'] }],
  ['empty document', {}],
  ['unicode', { bsonrpc: '2.0', method: 'echo', params: ['häßlich 日本 🎉'] }],
  ['binary holding delimiter-like bytes', { b: new Binary(Buffer.from([0, 0x1e, 0x0a, 0x7b, 0x2c, 0x3a, 0, 0xff])) }],
  ['nested', { a: { b: [1, [2, { c: null }]], d: {} } }],
  ['int64 and datetime', { n: Long.fromString('9007199254740993'), t: new Date(0) }],
];
const bsonMessages = bsonDocs.map(([label, doc]) => {
  const bytes = Buffer.from(BSON.serialize(doc));
  return { label, input: bytes, payload: bytes };
});

const cases: Case[] = [
  ...JSON_FRAMINGS.map((framing) => ({
    framing,
    messages: jsonMessages,
  })),
  { framing: bsonLengthFraming, messages: bsonMessages },
];

describe.each(cases)('$framing.name framing', ({ framing, messages }) => {
  const frames = messages.map((m) => framing.encode(m.input));
  const stream = Buffer.concat(frames);
  const expected = messages.map((m) => m.payload);

  test.each(messages.map((m, i) => ({ ...m, frame: frames[i] })))('$label: decodes alone, split at every byte', ({ frame, payload }) => {
    expect(decodeWith(framing, [frame])).toEqual([payload]);
    for (let at = 1; at < frame.length; at++) {
      expectPayloads(decodeWith(framing, splitAt(frame, at)), [payload], { at });
    }
  });

  test('encodes a string and the same bytes as a Buffer identically', () => {
    for (const m of messages) {
      expect(framing.encode(Buffer.from(m.payload))).toEqual(framing.encode(m.input));
    }
  });

  test('encodeText, where offered, is encode as a string (same bytes, same refusals)', () => {
    if (framing.encodeText === undefined) {
      expect(framing).toBe(bsonLengthFraming); // every JSON framing offers it
      return;
    }
    const encodeText = framing.encodeText.bind(framing);
    for (const m of messages) {
      expect(Buffer.from(encodeText(m.input as string), 'utf8')).toEqual(framing.encode(m.input));
    }
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('[1,\n2]', '\n', '{"a":"\r\n"}')), (text) => {
        let bytes: Buffer | Error;
        try {
          bytes = framing.encode(text);
        } catch (err) {
          bytes = err as Error;
        }
        if (bytes instanceof Error) expect(() => encodeText(text)).toThrow(bytes.message);
        else {
          expect(Buffer.from(encodeText(text), 'utf8')).toEqual(bytes);
          expect(Buffer.from(encodeText(text, true), 'utf8')).toEqual(bytes);
        }
      }),
    );
  });

  test('all frames in one chunk', () => {
    expect(decodeWith(framing, [stream])).toEqual(expected);
  });

  test('all frames split at every byte boundary into two chunks', () => {
    for (let at = 0; at <= stream.length; at++) {
      expectPayloads(decodeWith(framing, splitAt(stream, at)), expected, { at });
    }
  });

  test('byte by byte, each byte in its own memory', () => {
    expect(decodeWith(framing, ownedPieces(stream, 1))).toEqual(expected);
  });

  test('random chunkings', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const chunks: Buffer[] = [];
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const size = sizes[i % sizes.length];
          chunks.push(stream.subarray(pos, pos + size));
          pos += size;
        }
        expectPayloads(decodeWith(framing, chunks), expected, { sizes });
      }),
      { numRuns: 100 },
    );
  });

  test('several copies of the stream, in 7-byte chunks, keep every earlier payload intact', () => {
    const times = 5;
    const got = decodeWith(framing, pieces(Buffer.concat(Array(times).fill(stream)), 7));
    expect(got).toEqual(Array(times).fill(expected).flat());
  });

  test('bufferedBytes is 0 at every frame end and positive just before it', () => {
    const decoder = framing.createDecoder({ maxMessageSize: 1 << 24 });
    const ends = new Set<number>();
    let offset = 0;
    for (const f of frames) ends.add((offset += f.length));
    const lastBytes = new Set([...ends].map((e) => e - 1));
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) {
      decoder.push(stream.subarray(i, i + 1), (p) => out.push(p));
      const consumed = i + 1;
      if (ends.has(consumed)) expect(decoder.bufferedBytes).toBe(0);
      if (lastBytes.has(consumed)) expect(decoder.bufferedBytes).toBeGreaterThan(0);
    }
    expect(out).toEqual(expected);
  });

  test('an empty chunk changes nothing', () => {
    const decoder = framing.createDecoder({ maxMessageSize: 1 << 24 });
    const out: Buffer[] = [];
    for (const chunk of splitAt(stream, 3)) {
      decoder.push(Buffer.alloc(0), (p) => out.push(p));
      decoder.push(chunk, (p) => out.push(p));
    }
    expect(out).toEqual(expected);
  });

  test('a payload of exactly maxMessageSize is accepted', () => {
    const largest = Math.max(...expected.map((p) => p.length));
    expect(decodeWith(framing, ownedPieces(stream, 5), largest)).toEqual(expected);
  });
});

describe.each([ndjsonFraming, rfc7464Framing])('$name framing: encodeText and the LF check', (framing) => {
  test('encodeText refuses a raw LF too, unless the codec vouched the text is compact', () => {
    expect(() => framing.encodeText('{\n}')).toThrow(/line feed/);
    expect(() => framing.encodeText('{\n}', false)).toThrow(/line feed/);
    // compact = true is the codec's promise (the built-in JSON.stringify never writes a raw LF):
    // the framing takes it at its word and does not scan.
    expect(framing.encodeText('{}', true)).toBe(framing.encodeText('{}'));
    expect(framing.encodeText('{\n}', true)).toContain('{\n}');
  });
});
