import { PassThrough } from 'stream';
import { FramingError } from '../../lib/errors';
import { MAX_HEADER_BYTES, contentLengthFraming } from '../../lib/framing';
import { pieces } from '../helpers/chunks';
import { decodeTextEverySplit, decodeWith, firstFailingByte } from './support';

const framing = contentLengthFraming;

// `vscode-jsonrpc/node` is only reachable through package exports, which
// this project's `moduleResolution: node` cannot type; the little of it
// used here is declared by hand.
interface VscodeNode {
  StreamMessageWriter: new (w: NodeJS.WritableStream) => { write(msg: unknown): Promise<void>; dispose(): void };
  StreamMessageReader: new (r: NodeJS.ReadableStream) => {
    listen(cb: (msg: unknown) => void): { dispose(): void };
    onError(cb: (e: Error) => void): { dispose(): void };
    dispose(): void;
  };
}
const vscode = require('vscode-jsonrpc/node') as VscodeNode;

const MESSAGES = [
  { jsonrpc: '2.0', id: 1, method: 'initialize', params: { rootUri: null, capabilities: {} } },
  { jsonrpc: '2.0', method: 'window/logMessage', params: { type: 3, message: 'häßlich 日本 🎉 \r\n\r\n' } },
  { jsonrpc: '2.0', id: 1, result: [] },
];

describe('content-length framing', () => {
  test('encode writes exactly the LSP header with the byte length', () => {
    expect(framing.encode('{"a":"é🎉"}')).toEqual(Buffer.from('Content-Length: 14\r\n\r\n{"a":"é🎉"}', 'utf8'));
  });

  test.each([
    ['lower-case name', 'content-length: 2\r\n\r\n{}', ['{}']],
    ['upper-case name, no space', 'CONTENT-LENGTH:2\r\n\r\n{}', ['{}']],
    ['spaces around name and value', '  Content-Length  :   2  \r\n\r\n{}', ['{}']],
    ['Content-Type before', 'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 2\r\n\r\n[]', ['[]']],
    ['Content-Type after, and unknown headers', 'Content-Length: 2\r\nContent-Type: x\r\nX-Custom: a:b\r\n\r\n[]', ['[]']],
    ['a stray CRLF before the headers', '\r\nContent-Length: 2\r\n\r\n{}', ['{}']],
    ['a repeated, agreeing Content-Length', 'Content-Length: 2\r\nContent-Length: 02\r\n\r\n{}', ['{}']],
    ['a zero-length body', 'Content-Length: 0\r\n\r\nContent-Length: 2\r\n\r\n{}', ['', '{}']],
    ['a body that looks like headers', 'Content-Length: 21\r\n\r\nContent-Length: 5\r\n\r\n', ['Content-Length: 5\r\n\r\n']],
    ['a header block near the size limit', `X-Pad: ${'p'.repeat(MAX_HEADER_BYTES - 40)}\r\nContent-Length: 2\r\n\r\n{}`, ['{}']],
  ])('accepts %s', (_label, wire, payloads) => {
    expect(decodeTextEverySplit(framing, wire)).toEqual(payloads);
  });

  // Each row: the wire, and what the error must say. All fail when the
  // blank line ending the header block arrives.
  test.each([
    ['no Content-Length', 'Content-Type: application/json\r\n\r\n{}', /has no Content-Length/],
    ['a non-numeric value', 'Content-Length: abc\r\n\r\n', /invalid Content-Length value "abc"/],
    ['an empty value', 'Content-Length:\r\n\r\n', /invalid Content-Length value ""/],
    ['a negative value', 'Content-Length: -1\r\n\r\n', /invalid Content-Length/],
    ['a fraction', 'Content-Length: 1.5\r\n\r\n', /invalid Content-Length/],
    ['trailing garbage (which parseInt would accept)', 'Content-Length: 12abc\r\n\r\n', /invalid Content-Length/],
    ['hexadecimal', 'Content-Length: 0x10\r\n\r\n', /invalid Content-Length/],
    ['a line without a colon', 'Content-Length 2\r\n\r\n{}', /header line without ":"/],
    ['conflicting Content-Lengths', 'Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}', /conflicting/],
    ['a body instead of headers', '{"jsonrpc":"2.0"}\r\n\r\n', /has no Content-Length/],
  ])('FramingError for %s', (_label, wire, message) => {
    const failure = firstFailingByte(framing, wire);
    expect(failure.index).toBe(wire.indexOf('\r\n\r\n') + 3);
    expect(failure.error.message).toMatch(/^content-length: /);
    expect(failure.error.message).toMatch(message);
  });

  test('a Content-Length over maxMessageSize fails at the end of the headers, before the body', () => {
    const header = 'Content-Length: 101\r\n\r\n';
    const failure = firstFailingByte(framing, header + '{}', 100);
    expect(failure.index).toBe(header.length - 1);
    expect(failure.error.message).toMatch(/Content-Length 101 exceeds maxMessageSize \(100 bytes\)/);
  });

  test(`a header block over ${MAX_HEADER_BYTES} bytes fails without waiting for its end`, () => {
    const failure = firstFailingByte(framing, 'X'.repeat(MAX_HEADER_BYTES + 100));
    expect(failure.index).toBe(MAX_HEADER_BYTES - 1);
    expect(failure.error.message).toMatch(/header block exceeds 8192 bytes/);
    expect(() => decodeWith(framing, [Buffer.alloc(20_000, 0x41)])).toThrow(FramingError);
    expect(() => decodeWith(framing, pieces(Buffer.alloc(20_000, 0x41), 1000))).toThrow(FramingError);
  });

  test('bufferedBytes covers headers and body', () => {
    const decoder = framing.createDecoder({ maxMessageSize: 100 });
    decoder.push(Buffer.from('Content-Len'), () => undefined);
    expect(decoder.bufferedBytes).toBe(11);
    decoder.push(Buffer.from('gth: 2\r\n\r\n{'), () => undefined);
    expect(decoder.bufferedBytes).toBe(1);
    decoder.push(Buffer.from('}'), () => undefined);
    expect(decoder.bufferedBytes).toBe(0);
  });

  describe('interoperates with vscode-jsonrpc 10', () => {
    test('decodes what its StreamMessageWriter writes, at every split', async () => {
      const pipe = new PassThrough();
      const written: Buffer[] = [];
      pipe.on('data', (b: Buffer) => written.push(b));
      const writer = new vscode.StreamMessageWriter(pipe);
      for (const m of MESSAGES) await writer.write(m);
      writer.dispose();
      const wire = Buffer.concat(written);
      // It writes only Content-Length (no Content-Type), CRLF-terminated.
      expect(wire.toString('utf8')).toMatch(/^Content-Length: \d+\r\n\r\n\{/);
      expect(wire.toString('utf8')).not.toMatch(/Content-Type/i);
      const payloads = decodeTextEverySplit(framing, wire);
      expect(payloads.map((p) => JSON.parse(p))).toEqual(MESSAGES);
    });

    test('its StreamMessageReader reads what we encode, in small chunks', async () => {
      const pipe = new PassThrough();
      const reader = new vscode.StreamMessageReader(pipe);
      const received: unknown[] = [];
      const errors: Error[] = [];
      reader.onError((e) => errors.push(e));
      const done = new Promise<void>((resolve) => {
        reader.listen((msg) => {
          received.push(msg);
          if (received.length === MESSAGES.length) resolve();
        });
      });
      const wire = Buffer.concat(MESSAGES.map((m) => framing.encode(JSON.stringify(m))));
      for (const piece of pieces(wire, 5)) pipe.write(piece);
      await done;
      reader.dispose();
      pipe.destroy();
      expect(errors).toEqual([]);
      expect(received).toEqual(MESSAGES);
    });
  });
});
