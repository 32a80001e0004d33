import { EncodingError, FramingError } from '../../lib/errors';
import { rfc7464Framing } from '../../lib/framing';
import { decodeTextEverySplit, decodeWith, firstFailingByte } from './support';

const framing = rfc7464Framing;

describe('rfc7464 framing', () => {
  test('encode writes RS, the UTF-8 text, LF', () => {
    expect(framing.encode('{"a":"é"}')).toEqual(Buffer.from('\x1e{"a":"é"}\n', 'utf8'));
    expect(framing.encode(Buffer.from('[]'))).toEqual(Buffer.from('\x1e[]\n'));
  });

  test('encode refuses a text with a raw LF (pretty-printed JSON would be cut in two)', () => {
    expect(() => framing.encode('{\n  "a": 1\n}')).toThrow(EncodingError);
    expect(() => framing.encode(Buffer.from('{\n}'))).toThrow(/line feed/);
  });

  // Each row: the bytes on the wire and the payloads that must come out.
  test.each([
    ['garbage before, between and after frames', 'xx\n{}\x1e{"a":1}\nnoise}{\n\x1e[2]\ntrailing', ['{"a":1}', '[2]']],
    ['consecutive RS', '\x1e\x1e\x1e{"a":1}\n', ['{"a":1}']],
    ['an RS before the LF drops the truncated text', '\x1e{"trunc\x1e{"b":2}\n', ['{"b":2}']],
    ['an empty text is skipped', '\x1e\n\x1e{}\n', ['{}']],
    ['a text of whitespace is still a frame', '\x1e \n', [' ']],
    ['bytes after LF but before the next RS are skipped', '\x1e{}\n\n\r\n \x1e{}\n', ['{}', '{}']],
  ])('%s', (_label, wire, payloads) => {
    expect(decodeTextEverySplit(framing, wire)).toEqual(payloads);
  });

  test('garbage is not buffered and does not count against maxMessageSize', () => {
    const decoder = framing.createDecoder({ maxMessageSize: 10 });
    const out: Buffer[] = [];
    decoder.push(Buffer.alloc(100_000, 0x41), (p) => out.push(p));
    expect(decoder.bufferedBytes).toBe(0);
    decoder.push(Buffer.from('\x1e{"a":1}\n'), (p) => out.push(p));
    expect(out.map(String)).toEqual(['{"a":1}']);
  });

  test('an unfinished text is held until its LF', () => {
    const decoder = framing.createDecoder({ maxMessageSize: 100 });
    const out: Buffer[] = [];
    decoder.push(Buffer.from('\x1e{"a":'), (p) => out.push(p));
    expect(out).toEqual([]);
    expect(decoder.bufferedBytes).toBe(5);
    decoder.push(Buffer.from('1}\n'), (p) => out.push(p));
    expect(out.map(String)).toEqual(['{"a":1}']);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test('a partial text over maxMessageSize fails before its LF arrives', () => {
    const { index, error } = firstFailingByte(framing, '\x1e{"a":"0123456789"}\n', 10);
    expect(index).toBe(11); // RS + 11 bytes of text: the first byte over the limit
    expect(error.message).toMatch(/^rfc7464: .*exceeds maxMessageSize/);
    expect(() => decodeWith(framing, [Buffer.from('\x1e{"a":"0123456789"}\n')], 10)).toThrow(FramingError);
  });

  test('the truncated text dropped at an RS does not count against the limit', () => {
    expect(decodeTextEverySplit(framing, '\x1e{"a":"01\x1e{"b":1}\n', 10)).toEqual(['{"b":1}']);
  });
});
