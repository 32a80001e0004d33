/**
 * Shared data and drivers for the framing specs: the built-in framings, the
 * message corpus every framing is checked against, and decoding drivers
 * (chunking is in spec/helpers/chunks.ts, the recorded Python bsonrpc frames
 * in spec/helpers/py-fixtures.ts).
 */
import { FramingError } from '../../lib/errors';
import {
  bsonLengthFraming,
  contentLengthFraming,
  framelessFraming,
  ndjsonFraming,
  netstringFraming,
  rfc7464Framing,
  type FrameDecoder,
  type Framing,
} from '../../lib/framing';
import { splitAt } from '../helpers/chunks';

/** The built-in JSON framings, spelled out rather than read from lib: a framing lib loses fails here instead of dropping out. */
export const JSON_FRAMINGS: readonly Framing[] = [rfc7464Framing, netstringFraming, framelessFraming, ndjsonFraming, contentLengthFraming];

/** Every built-in framing: the JSON ones, then BSON's. */
export const ALL_FRAMINGS: readonly Framing[] = [...JSON_FRAMINGS, bsonLengthFraming];

/** Generous default so the corpus never trips the limit by accident. */
export const BIG = 16 * 1024 * 1024;

/**
 * JSON texts every JSON framing must carry byte for byte: each entry is a
 * label and the exact text (as a codec would hand it to `encode`).
 */
export const JSON_TEXTS: ReadonlyArray<readonly [string, string]> = [
  ['ASCII request', JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'swapper', params: ['Hello World!'] })],
  ['unicode with 4-byte emoji', JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: ['häßlich 日本 🎉 𝄞 👩‍👩‍👧'] })],
  ['brackets inside strings', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'b', params: ['{', '}', '[', ']', '}}]]', '{"a":[1,{"b":2}]}'] })],
  ['escaped quotes and backslashes', JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'q', params: ['say "hi"', 'C:\\dir\\', '\\', '\\"', '"', '"}', '\\\\}'] })],
  ['string ending in a backslash before "}"', JSON.stringify({ k: 'ends with \\' })],
  ['newline and control escapes', JSON.stringify({ jsonrpc: '2.0', id: 'x\ny', result: ['line1\nline2\r\n\ttab', '\u0000\u001e\u001f', '\u2028\u2029'] })],
  ['empty object', '{}'],
  ['empty array', '[]'],
  ['nested arrays', JSON.stringify({ jsonrpc: '2.0', id: 4, result: [[[1, [2, [3, []]]], []], [[]], [{ a: [[{}]] }]] })],
  [
    'batch array',
    JSON.stringify([
      { jsonrpc: '2.0', id: 5, method: 'swapper', params: ['abc'] },
      { jsonrpc: '2.0', method: 'log', params: { msg: '[x]' } },
      { jsonrpc: '2.0', id: 6, method: 'add', params: [1, 2] },
    ]),
  ],
  ['Python-style ASCII escapes', String.raw`{"id":7,"jsonrpc":"2.0","params":["h\u00e4 \ud83c\udf89 \"{\" \\"],"method":"echo"}`],
  ['numbers and literals', '{"a":-1.5e+300,"b":true,"c":false,"d":null,"e":0}'],
];

/** A decoder driver: feeds `chunks` and returns every payload, in order. */
export function decodeChunks(decoder: FrameDecoder, chunks: Iterable<Buffer>): Buffer[] {
  const out: Buffer[] = [];
  for (const chunk of chunks) decoder.push(chunk, (p) => out.push(p));
  return out;
}

/** Decodes `stream` with a fresh decoder, cut into the given chunks. */
export function decodeWith(framing: Framing, chunks: Iterable<Buffer>, maxMessageSize = BIG): Buffer[] {
  return decodeChunks(framing.createDecoder({ maxMessageSize }), chunks);
}

/**
 * Asserts that `got` are exactly the `expected` payloads. Cheap when they
 * match, so it can run once per split point; the diff (with `context`,
 * e.g. the split offset) is only built for a failure.
 */
export function expectPayloads(got: Buffer[], expected: Buffer[], context: unknown = undefined): void {
  if (got.length === expected.length && got.every((p, i) => p.equals(expected[i]))) return;
  expect({ context, payloads: got.map(String) }).toEqual({ context, payloads: expected.map(String) });
}

/**
 * Runs `feed` and returns the `FramingError` it threw (failing if it did
 * not throw one), so a test can check the message.
 */
export function framingErrorOf(feed: () => void): Error {
  try {
    feed();
  } catch (err) {
    if (err instanceof FramingError) return err;
    throw err;
  }
  throw new Error('expected a FramingError, nothing was thrown');
}

/**
 * Feeds `bytes` one at a time and reports at which byte the decoder threw a
 * `FramingError` (and the payloads it produced before), proving the error
 * comes as soon as the input shows it and not when more data arrives.
 */
export function firstFailingByte(
  framing: Framing,
  bytes: Buffer | string,
  maxMessageSize = BIG,
): { index: number; error: Error; frames: string[] } {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  const decoder = framing.createDecoder({ maxMessageSize });
  const frames: string[] = [];
  for (let i = 0; i < buf.length; i++) {
    try {
      decoder.push(buf.subarray(i, i + 1), (p) => frames.push(p.toString('utf8')));
    } catch (error) {
      if (!(error instanceof FramingError)) throw error;
      // A failed decoder stays failed: feeding it again rethrows.
      expect(() => decoder.push(Buffer.from('{}'), () => undefined)).toThrow(FramingError);
      return { index: i, error, frames };
    }
  }
  throw new Error(`expected a FramingError from ${framing.name}, none was thrown`);
}

/** Payloads of `framing` decoding `text` in one chunk, as strings. */
export function decodeText(framing: Framing, text: string | Buffer, maxMessageSize = BIG): string[] {
  const buf = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  return decodeWith(framing, [buf], maxMessageSize).map((p) => p.toString('utf8'));
}

/** Like {@link decodeText} but at every two-chunk split too; all must agree. */
export function decodeTextEverySplit(framing: Framing, text: string | Buffer, maxMessageSize = BIG): string[] {
  const buf = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const whole = decodeText(framing, buf, maxMessageSize);
  for (let at = 1; at < buf.length; at++) {
    const got = decodeWith(framing, splitAt(buf, at), maxMessageSize).map((p) => p.toString('utf8'));
    expect({ at, got }).toEqual({ at, got: whole });
  }
  return whole;
}
