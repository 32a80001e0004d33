import { FramingError } from '../../lib/errors';
import { framelessFraming } from '../../lib/framing';
import { pieces } from '../helpers/chunks';
import { decodeText, decodeTextEverySplit, decodeWith, firstFailingByte } from './support';

const framing = framelessFraming;

describe('frameless framing', () => {
  test('encode is the payload bytes, nothing around them', () => {
    expect(framing.encode('{"a":"é"}')).toEqual(Buffer.from('{"a":"é"}', 'utf8'));
    const doc = Buffer.from('[1]');
    expect(framing.encode(doc)).toBe(doc);
  });

  test.each([
    ['values back to back', '{"a":1}[2]{}[]', ['{"a":1}', '[2]', '{}', '[]']],
    ['whitespace before, between and after values', ' \t\r\n{"a":1} \n\t\r[2]\r\n ', ['{"a":1}', '[2]']],
    ['brackets and quotes inside strings', '{"a":"}]\\"{["}{"b":"\\\\"}', ['{"a":"}]\\"{["}', '{"b":"\\\\"}']],
    ['unicode escapes', '{"a":"\\u007d\\u0022\\\\u005c"}[0]', ['{"a":"\\u007d\\u0022\\\\u005c"}', '[0]']],
    ['scalars nested inside values', '[1,"x",true,null,-2.5e3]', ['[1,"x",true,null,-2.5e3]']],
    ['mismatched brackets still end a value (the codec rejects it)', '{]{}', ['{]', '{}']],
  ])('%s', (_label, wire, payloads) => {
    expect(decodeTextEverySplit(framing, wire)).toEqual(payloads);
  });

  test('UTF-8 multi-byte characters split anywhere', () => {
    const text = '{"s":"日本🎉\\"}"}';
    expect(decodeTextEverySplit(framing, Buffer.from(text + text, 'utf8'))).toEqual([text, text]);
  });

  test('deep nesting is a counter, not recursion', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(decodeText(framing, deep + '{}').map((p) => p.length)).toEqual([400_000, 2]);
  });

  test.each([
    ['a scalar at the top level', '1', 0],
    ['a string at the top level', '"x"', 0],
    ['a stray closing brace', '}', 0],
    ['a literal', 'null', 0],
    ['a byte order mark', '\xef\xbb\xbf{}', 0],
    ['garbage after a good value', '{"a":1} x', 8],
  ])('%s is a FramingError at that byte', (_label, wire, index) => {
    const failure = firstFailingByte(framing, wire);
    expect(failure.index).toBe(index);
    expect(failure.error.message).toMatch(/^frameless: expected "\{" or "\[" to start a value, got 0x/);
  });

  test('values before the garbage are delivered', () => {
    expect(firstFailingByte(framing, '{"a":1}[2]x').frames).toEqual(['{"a":1}', '[2]']);
  });

  test('a partial value over maxMessageSize fails before it closes', () => {
    const failure = firstFailingByte(framing, '{"a":"0123456789"}', 10);
    expect(failure.index).toBe(10);
    expect(failure.error.message).toMatch(/exceeds maxMessageSize/);
    expect(() => decodeWith(framing, [Buffer.from('{"a":"0123456789"}')], 10)).toThrow(FramingError);
    expect(() => decodeWith(framing, pieces(Buffer.from('{"a":"0123456789"}'), 4), 10)).toThrow(FramingError);
  });

  test('whitespace between values is not buffered', () => {
    const decoder = framing.createDecoder({ maxMessageSize: 10 });
    decoder.push(Buffer.alloc(100_000, 0x20), () => undefined);
    expect(decoder.bufferedBytes).toBe(0);
  });
});
