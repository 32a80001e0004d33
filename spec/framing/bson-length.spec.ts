import { BSON } from 'bson';
import { FramingError } from '../../lib/errors';
import { bsonLengthFraming } from '../../lib/framing';
import { splitAt } from '../helpers/chunks';
import { decodeWith, firstFailingByte } from './support';

const framing = bsonLengthFraming;

/** A 4-byte little-endian int32 followed by `rest`. */
function prefixed(length: number, rest: number[] = []): Buffer {
  const b = Buffer.alloc(4 + rest.length);
  b.writeInt32LE(length, 0);
  Buffer.from(rest).copy(b, 4);
  return b;
}

describe('bson length framing', () => {
  test('encode returns the document itself', () => {
    const doc = Buffer.from(BSON.serialize({ a: 1 }));
    expect(framing.encode(doc)).toBe(doc);
    expect(framing.supportsBatches).toBe(false);
  });

  test('encode refuses a string (a JSON codec paired with BSON framing)', () => {
    expect(() => framing.encode('{}')).toThrow(TypeError);
  });

  // Each row: the 4 prefix bytes (plus a few more); all must fail on the
  // 4th byte, before any body is buffered.
  test.each([
    ['zero', prefixed(0, [0, 0, 0, 0, 0]), 100, /length 0 is below the minimum of 5/],
    ['4, shorter than the smallest document', prefixed(4, [0]), 100, /length 4 is below/],
    ['negative', prefixed(-1, [0]), 100, /length -1 is below/],
    ['over maxMessageSize', prefixed(101, [0x10, 0x61]), 100, /length 101 exceeds maxMessageSize \(100 bytes\)/],
    ['int32 max', prefixed(0x7fffffff), 16 * 1024 * 1024, /length 2147483647 exceeds maxMessageSize/],
  ])('a length of %s fails on the 4th prefix byte', (_label, wire, max, message) => {
    const failure = firstFailingByte(framing, wire, max);
    expect(failure.index).toBe(3);
    expect(failure.error.message).toMatch(/^bson: /);
    expect(failure.error.message).toMatch(message);
  });

  test('a document not ending in 0x00 means the stream is out of step', () => {
    const bad = Buffer.from(BSON.serialize({ a: 'x' }));
    bad[bad.length - 1] = 0x41;
    const failure = firstFailingByte(framing, bad);
    expect(failure.index).toBe(bad.length - 1);
    expect(failure.error.message).toMatch(/does not end with 0x00/);
    for (let at = 0; at <= bad.length; at++) {
      expect(() => decodeWith(framing, splitAt(bad, at))).toThrow(FramingError);
    }
  });

  test('bufferedBytes includes the prefix', () => {
    const doc = Buffer.from(BSON.serialize({ a: 1 }));
    const decoder = framing.createDecoder({ maxMessageSize: 100 });
    decoder.push(doc.subarray(0, 2), () => undefined);
    expect(decoder.bufferedBytes).toBe(2);
    decoder.push(doc.subarray(2, 7), () => undefined);
    expect(decoder.bufferedBytes).toBe(7);
    decoder.push(doc.subarray(7), () => undefined);
    expect(decoder.bufferedBytes).toBe(0);
  });
});
