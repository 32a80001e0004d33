import { EncodingError } from '../../lib/errors';
import { ndjsonFraming } from '../../lib/framing';
import { decodeTextEverySplit, firstFailingByte } from './support';

const framing = ndjsonFraming;

describe('ndjson framing', () => {
  test('encode appends LF', () => {
    expect(framing.encode('{"a":"é"}')).toEqual(Buffer.from('{"a":"é"}\n', 'utf8'));
  });

  test('encode refuses a text with a raw LF', () => {
    expect(() => framing.encode('{\n}')).toThrow(EncodingError);
    expect(() => framing.encode(Buffer.from('[1,\n2]'))).toThrow(/line feed/);
  });

  test.each([
    ['CRLF line ends lose the CR', '{"a":1}\r\n[2]\r\n', ['{"a":1}', '[2]']],
    ['LF and CRLF mixed', '{}\n[]\r\n{}\n', ['{}', '[]', '{}']],
    ['empty lines and bare CRLF are skipped', '\n\r\n{}\n\n\r\n\n[]\n', ['{}', '[]']],
    ['a CR not before the LF is kept', '{"a":"\r"}\n', ['{"a":"\r"}']],
    ['only the last CR is stripped', '{}\r\r\n', ['{}\r']],
    ['an unfinished last line is not delivered', '{}\n{"a":', ['{}']],
  ])('%s', (_label, wire, payloads) => {
    expect(decodeTextEverySplit(framing, wire)).toEqual(payloads);
  });

  test('a partial line over maxMessageSize fails before its LF', () => {
    const failure = firstFailingByte(framing, '{"a":"0123456789"}\n', 10);
    expect(failure.index).toBe(10);
    expect(failure.error.message).toMatch(/^ndjson: line exceeds maxMessageSize/);
  });

  test('a line of exactly maxMessageSize may end in CRLF', () => {
    expect(decodeTextEverySplit(framing, '{"a":"01"}\r\n{"b":"23"}\n', 10)).toEqual(['{"a":"01"}', '{"b":"23"}']);
    expect(firstFailingByte(framing, '{"a":"012"}\r\n', 10).index).toBe(10);
    expect(firstFailingByte(framing, '{"a":"01"}x\n', 10).index).toBe(10);
  });
});
