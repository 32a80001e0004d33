/**
 * Decoding work must be linear in the bytes received. Not measured by the
 * clock: the specs count the structural work instead, i.e. how often
 * partial buffers are joined (`Buffer.concat`) and how many bytes the
 * native delimiter searches cover.
 */
import { BSON } from 'bson';
import { bsonLengthFraming, framelessFraming, type Framing } from '../../lib/framing';
import { pieces } from '../helpers/chunks';
import { ALL_FRAMINGS, decodeWith, expectPayloads } from './support';

const MiB = 1024 * 1024;

/** A JSON text of about `size` bytes, dense in escapes, brackets and non-ASCII. */
function bigJson(size: number): string {
  const unit = `${'x'.repeat(40)}"\\{}[]é🎉\n`;
  const text = unit.repeat(Math.ceil(size / 2 / Buffer.byteLength(JSON.stringify(unit))));
  const numbers = Array.from({ length: Math.ceil(size / 2 / 7) }, (_, i) => i);
  return JSON.stringify({ jsonrpc: '2.0', method: 'bulk', params: [text, numbers, [[{}]]] });
}

/** The payload `framing` carries for a message of about `size` bytes. */
function bigPayload(framing: Framing, size: number): Buffer {
  const json = bigJson(size);
  return framing === bsonLengthFraming ? Buffer.from(BSON.serialize(JSON.parse(json) as object)) : Buffer.from(json, 'utf8');
}

/** Runs `fn` counting `Buffer.concat` calls. */
function countConcat<T>(fn: () => T): { result: T; calls: number } {
  const spy = jest.spyOn(Buffer, 'concat');
  try {
    const result = fn();
    return { result, calls: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

/**
 * Runs `fn` adding up the bytes that `indexOf` / `lastIndexOf` on Buffers
 * looked at (from the start offset to the hit, or to the end on a miss).
 */
function countScanned<T>(fn: () => T): { result: T; scanned: number } {
  const indexOf = Buffer.prototype.indexOf;
  const lastIndexOf = Buffer.prototype.lastIndexOf;
  let scanned = 0;
  const a = jest.spyOn(Buffer.prototype, 'indexOf').mockImplementation(function (this: Buffer, value, offset, enc) {
    const from = typeof offset === 'number' ? (offset < 0 ? Math.max(0, this.length + offset) : offset) : 0;
    const hit = indexOf.call(this, value, offset as number, enc as BufferEncoding);
    scanned += (hit === -1 ? this.length : hit + 1) - from;
    return hit;
  });
  const b = jest.spyOn(Buffer.prototype, 'lastIndexOf').mockImplementation(function (this: Buffer, value, offset, enc) {
    const from = typeof offset === 'number' ? offset : this.length - 1;
    const hit = lastIndexOf.call(this, value, offset as number, enc as BufferEncoding);
    scanned += from - (hit === -1 ? 0 : hit) + 1;
    return hit;
  });
  try {
    return { result: fn(), scanned };
  } finally {
    a.mockRestore();
    b.mockRestore();
  }
}

describe.each(ALL_FRAMINGS.map((f) => [f.name, f] as const))('%s decoding is linear', (_name, framing) => {
  const payload = bigPayload(framing, MiB);
  const frame = framing.encode(framing === bsonLengthFraming ? payload : payload.toString('utf8'));

  test('the test frame is about 1 MiB', () => {
    expect(payload.length).toBeGreaterThan(0.9 * MiB);
    expect(payload.length).toBeLessThan(1.5 * MiB);
  });

  test('a 1 MiB frame in 16-byte chunks is joined once', () => {
    const chunks = [...pieces(frame, 16)];
    const { result, calls } = countConcat(() => decodeWith(framing, chunks));
    expectPayloads(result, [payload]);
    expect(calls).toBeLessThanOrEqual(1);
  });

  test('a 256 KiB frame fed byte by byte is joined once', () => {
    const small = bigPayload(framing, MiB / 4);
    const smallFrame = framing.encode(framing === bsonLengthFraming ? small : small.toString('utf8'));
    const chunks = [...pieces(smallFrame, 1)];
    const { result, calls } = countConcat(() => decodeWith(framing, chunks));
    expectPayloads(result, [small]);
    expect(calls).toBeLessThanOrEqual(1);
  });

  test('a frame within one chunk is a view of it: no join, no copy', () => {
    const chunk = Buffer.concat([frame, frame]);
    const { result, calls } = countConcat(() => decodeWith(framing, [chunk]));
    expectPayloads(result, [payload, payload]);
    expect(calls).toBe(0);
    for (const p of result) expect(p.buffer).toBe(chunk.buffer);
  });

  test('many small frames in one chunk are never joined', () => {
    const one = framing.encode(framing === bsonLengthFraming ? Buffer.from(BSON.serialize({ a: 1 })) : '{"a":[1]}');
    const chunk = Buffer.concat(Array(10_000).fill(one));
    const { result, calls } = countConcat(() => decodeWith(framing, [chunk]));
    expect(result).toHaveLength(10_000);
    expect(calls).toBe(0);
  });

  test('delimiter searches look at each byte a bounded number of times', () => {
    const many = Buffer.concat([frame, ...Array(2_000).fill(framing.encode(framing === bsonLengthFraming ? Buffer.from(BSON.serialize({ a: '}' })) : '{"a":"\\"}"}'))]);
    for (const size of [16, 4096, many.length]) {
      const chunks = [...pieces(many, size)];
      const { result, scanned } = countScanned(() => decodeWith(framing, chunks));
      expect(result).toHaveLength(2_001);
      expect(scanned).toBeLessThanOrEqual(3 * many.length);
    }
  });
});

describe('frameless string scanning', () => {
  // The shapes that would make a naive "search for the next quote and the
  // next backslash" quadratic: many strings and no backslash, or many
  // backslashes and no quote (strings long enough for native searches).
  test.each([
    ['many strings, no backslash', JSON.stringify(Array.from({ length: 20_000 }, (_, i) => String(i % 10).repeat(40)))],
    ['one string of spaced escapes, no inner quote', JSON.stringify([`${'x'.repeat(40)}\n`.repeat(20_000)])],
    ['one string of dense escapes', JSON.stringify(['\n'.repeat(200_000)])],
  ])('%s: each byte searched a bounded number of times', (_label, text) => {
    const chunk = Buffer.from(text + text);
    const { result, scanned } = countScanned(() => decodeWith(framelessFraming, [chunk]));
    expect(result.map(String)).toEqual([text, text]);
    expect(scanned).toBeLessThanOrEqual(3 * chunk.length);
  });
});
