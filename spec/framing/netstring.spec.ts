import { FramingError } from '../../lib/errors';
import { netstringFraming } from '../../lib/framing';
import { decodeTextEverySplit, decodeWith, firstFailingByte } from './support';

const framing = netstringFraming;

describe('netstring framing', () => {
  test('encode writes the byte length, not the character count', () => {
    expect(framing.encode('{"a":"é🎉"}')).toEqual(Buffer.from('14:{"a":"é🎉"},', 'utf8'));
    expect(framing.encode('')).toEqual(Buffer.from('0:,'));
  });

  test.each([
    ['leading zeros are accepted, as Python int() does', '005:hello,', ['hello']],
    ['an empty payload is a frame', '0:,2:{},', ['', '{}']],
    ['a payload holding ":" and ","', '7:{"a":1},3:,:,,', ['{"a":1}', ',:,']],
  ])('%s', (_label, wire, payloads) => {
    expect(decodeTextEverySplit(framing, wire)).toEqual(payloads);
  });

  // Each row: the wire, the maxMessageSize, the index of the byte that must
  // fail (fed one byte at a time), and what the message must say.
  test.each([
    ['a non-digit first byte', 'x5:hello,', 16, 0, /expected a length digit or ":", got 0x78 \('x'\)/],
    ['leading whitespace', ' 5:hello,', 16, 0, /got 0x20/],
    ['a sign', '-1:x,', 16, 0, /got 0x2d/],
    ['garbage inside the length', '1x:', 16, 1, /got 0x78/],
    ['an empty length', ':hello,', 16, 0, /empty length/],
    ['a length over maxMessageSize, before the colon', '101:', 100, 2, /announced length exceeds maxMessageSize/],
    ['a huge length, at the first digit that shows it', '99999999999999999999:', 1 << 24, 7, /exceeds maxMessageSize/],
    ['more than 10 digits even with no limit', '00000000001:', Infinity, 10, /more than 10 digits/],
    ['a missing comma', '5:hello;', 16, 7, /expected "," after the 5-byte payload, got 0x3b/],
    ['the next frame where the comma belongs', '5:hello5:world,', 16, 7, /expected ","/],
    ['garbage after a good frame', '2:{},junk', 16, 5, /got 0x6a/],
  ])('FramingError at once for %s', (_label, wire, max, index, message) => {
    const failure = firstFailingByte(framing, wire, max);
    expect(failure.index).toBe(index);
    expect(failure.error.message).toMatch(/^netstring: /);
    expect(failure.error.message).toMatch(message);
    expect(() => decodeWith(framing, [Buffer.from(wire, 'latin1')], max)).toThrow(FramingError);
  });

  test('frames before the bad one are delivered', () => {
    expect(firstFailingByte(framing, '2:{},2:[]x', 16).frames).toEqual(['{}']);
  });

  test('bufferedBytes counts length digits, colon and payload', () => {
    const decoder = framing.createDecoder({ maxMessageSize: 100 });
    const seen: number[] = [];
    for (const byte of Buffer.from('11:{"a":"xyz"},')) {
      decoder.push(Buffer.from([byte]), () => undefined);
      seen.push(decoder.bufferedBytes);
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0]);
  });
});
