/**
 * The header framing of the Language Server Protocol and vscode-jsonrpc:
 * `Content-Length: N\r\n\r\n<payload>`.
 */
import { DecoderBase } from './decoder-base';
import type { FrameDecoder, FrameDecoderOptions, Framing } from './framing';
import { payloadLength, wrapPayload } from './partial-frame';

const CR = 0x0d;
const LF = 0x0a;
/**
 * Largest header block accepted, terminator included. Real headers are a
 * few dozen bytes; the bound stops a peer from making us buffer an endless
 * "header" that never reaches its blank line.
 */
export const MAX_HEADER_BYTES = 8192;
/** What the fast path expects at the start of a header block. */
const QUICK_PREFIX = Buffer.from('Content-Length: ', 'latin1');
/** Content-Length values longer than this cannot be a real size (and stay exact integers). */
const MAX_LENGTH_DIGITS = 15;

/**
 * Decoder for the Content-Length form. Headers end at the first
 * `\r\n\r\n`; each line is `Name: value` with the name matched
 * case-insensitively and surrounding spaces ignored. Only `Content-Length`
 * is read: `Content-Type` and any other header are accepted and ignored
 * (the payload is always UTF-8 JSON here), as vscode-jsonrpc does.
 *
 * Unlike vscode-jsonrpc, whose `parseInt` would read `12abc` as 12, the
 * value must be plain decimal digits; a missing, malformed or repeated
 * conflicting Content-Length, a line without `:`, or a header block over
 * {@link MAX_HEADER_BYTES} is a `FramingError`, since the stream cannot be
 * trusted to line up after it. A length over `maxMessageSize` fails as
 * soon as the header block ends, before any of the body is buffered.
 */
export class ContentLengthDecoder extends DecoderBase {
  /**
   * Header bytes so far, as latin1 text: a string and not a chunk list, so
   * the one `Buffer.concat` a frame may cost is left for the body.
   */
  private header = '';
  /**
   * Progress through `\r\n\r\n`: 0 none, 1 CR, 2 CRLF, 3 CRLF CR. Kept
   * across chunks so a terminator split anywhere is still seen, and each
   * header byte is looked at once.
   */
  private crlf = 0;
  /** The length {@link quickHeader} found. */
  private quickLength = 0;
  /** Body bytes still due; -1 while reading headers. */
  private due = -1;

  constructor(options: FrameDecoderOptions) {
    super('content-length', options);
  }

  /** Header and body bytes of the unfinished message held (0 between messages). */
  override get bufferedBytes(): number {
    return this.header.length + this.partial.length;
  }

  /** {@inheritDoc FrameDecoder.push} */
  override push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    if (this.failure) throw this.failure;
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      if (this.due === -1) {
        let length: number;
        const quick = this.header === '' ? this.quickHeader(chunk, pos) : -1;
        if (quick !== -1) {
          length = this.quickLength;
          pos = quick;
        } else {
          const start = pos;
          const limit = Math.min(len, start + (MAX_HEADER_BYTES - this.header.length));
          let state = this.crlf;
          while (pos < limit && state !== 4) {
            const byte = chunk[pos++];
            if (byte === CR) state = state === 2 ? 3 : 1;
            else if (byte === LF) state = state === 1 ? 2 : state === 3 ? 4 : 0;
            else state = 0;
          }
          this.crlf = state;
          if (state !== 4) {
            if (this.header.length + (pos - start) >= MAX_HEADER_BYTES) {
              this.fail(`header block exceeds ${MAX_HEADER_BYTES} bytes without a blank line`);
            }
            this.header += chunk.toString('latin1', start);
            return;
          }
          this.crlf = 0;
          const block = this.header + chunk.toString('latin1', start, pos);
          this.header = '';
          length = this.parseHeaders(block);
        }
        if (length > this.maxMessageSize) {
          this.fail(`Content-Length ${length} exceeds maxMessageSize (${this.maxMessageSize} bytes)`);
        }
        if (length === 0) {
          onFrame(Buffer.alloc(0));
          continue;
        }
        this.due = length;
        continue;
      }
      const due = this.due;
      const available = len - pos;
      if (available < due) {
        this.partial.add(chunk.subarray(pos));
        this.due -= available;
        return;
      }
      const end = pos + due;
      const payload = this.partial.length === 0 ? chunk.subarray(pos, end) : this.partial.take(chunk.subarray(pos, end));
      this.due = -1;
      pos = end;
      onFrame(payload);
    }
  }

  /**
   * Fast path for the exact header this library and vscode-jsonrpc write,
   * `Content-Length: N\r\n\r\n`, whole within the chunk at `pos`: returns
   * where the body starts and leaves N in `quickLength`, or -1 to let the
   * general parser (which also reports errors) handle it.
   */
  private quickHeader(chunk: Buffer, pos: number): number {
    const len = chunk.length;
    const digitsStart = pos + QUICK_PREFIX.length;
    if (digitsStart + 5 > len || chunk.compare(QUICK_PREFIX, 0, QUICK_PREFIX.length, pos, digitsStart) !== 0) return -1;
    const digitsEnd = Math.min(len, digitsStart + MAX_LENGTH_DIGITS);
    let i = digitsStart;
    let value = 0;
    for (; i < digitsEnd; i++) {
      const digit = chunk[i] - 0x30;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    if (i === digitsStart || i + 4 > len) return -1;
    if (chunk[i] !== CR || chunk[i + 1] !== LF || chunk[i + 2] !== CR || chunk[i + 3] !== LF) return -1;
    this.quickLength = value;
    return i + 4;
  }

  /** Reads the Content-Length out of a complete header block (ending in CRLF CRLF). */
  private parseHeaders(block: string): number {
    const lines = block.slice(0, -4).split('\r\n');
    let length = -1;
    for (const line of lines) {
      // A stray CRLF before the headers (a sender ending its previous body
      // with a newline) leaves an empty first line; it carries nothing.
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon === -1) this.fail(`header line without ":": ${JSON.stringify(truncate(line))}`);
      if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
      const value = line.slice(colon + 1).trim();
      if (!/^[0-9]+$/.test(value) || value.length > MAX_LENGTH_DIGITS) {
        this.fail(`invalid Content-Length value ${JSON.stringify(truncate(value))}`);
      }
      const parsed = Number(value);
      if (length !== -1 && parsed !== length) this.fail(`conflicting Content-Length headers (${length} and ${parsed})`);
      length = parsed;
    }
    if (length === -1) this.fail(`header block has no Content-Length: ${JSON.stringify(truncate(lines.join('\\r\\n')))}`);
    return length;
  }

  /** {@inheritDoc DecoderBase.discard} */
  protected override discard(): void {
    this.header = '';
    super.discard();
  }
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Content-Length framing (`'content-length'`): writes exactly
 * `Content-Length: N\r\n\r\n<JSON>` with N in bytes, which is also all
 * vscode-jsonrpc writes (no Content-Type). Stateless; use the
 * {@link contentLengthFraming} singleton.
 */
export class ContentLengthFraming implements Framing {
  /** {@inheritDoc Framing.name} */
  readonly name = 'content-length';
  /** {@inheritDoc Framing.supportsBatches} */
  readonly supportsBatches = true;

  /** {@inheritDoc Framing.createDecoder} */
  createDecoder(options: FrameDecoderOptions): FrameDecoder {
    return new ContentLengthDecoder(options);
  }

  /** {@inheritDoc Framing.encode} */
  encode(payload: string | Buffer): Buffer {
    const length = payloadLength(payload);
    return wrapPayload(`Content-Length: ${length}\r\n\r\n`, payload, undefined, length);
  }

  /** {@inheritDoc Framing.encodeText} */
  encodeText(payload: string): string {
    return `Content-Length: ${Buffer.byteLength(payload, 'utf8')}\r\n\r\n${payload}`;
  }
}

/** The shared {@link ContentLengthFraming} instance. */
export const contentLengthFraming: ContentLengthFraming = Object.freeze(new ContentLengthFraming());
