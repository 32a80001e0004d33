/**
 * RFC 7464 JSON text sequences: each message is `0x1E <JSON text> 0x0A`.
 * The default framing, and the default of Python bsonrpc's `JSONRpc`.
 */
import { DecoderBase } from './decoder-base';
import type { FrameDecoder, FrameDecoderOptions, Framing } from './framing';
import { refuseRawLineFeed, wrapPayload } from './partial-frame';

const RS = 0x1e;
const LF = 0x0a;

/**
 * Decoder for RFC 7464. A frame runs from an RS to the next LF; bytes
 * outside RS…LF are skipped, and an RS before the LF abandons the truncated
 * text and starts a new one (RFC 7464 §2.1: a truncated element must not
 * take the next one down with it). Empty texts (`RS LF`) are skipped.
 *
 * Splitting at the first LF is what Python bsonrpc does too; it is safe
 * because a raw LF can only be whitespace in JSON, and compact JSON has
 * none.
 */
export class Rfc7464Decoder extends DecoderBase {
  /** Between RS and LF. */
  private inFrame = false;

  constructor(options: FrameDecoderOptions) {
    super('rfc7464', options);
  }


  /** {@inheritDoc FrameDecoder.push} */
  override push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    if (this.failure) throw this.failure;
    const len = chunk.length;
    // Positions of the next RS and LF at or after `pos` (len = none left),
    // searched lazily and reused: the RS found while checking one text for
    // truncation is where the next text starts, and a run of RS before one
    // LF does not search for that LF again each time.
    let nextRs = -1;
    let nextLf = -1;
    let pos = 0;
    while (pos < len) {
      if (nextRs < pos) {
        nextRs = chunk.indexOf(RS, pos);
        if (nextRs === -1) nextRs = len;
      }
      if (!this.inFrame) {
        if (nextRs === len) return; // garbage between texts: skipped, never buffered
        this.inFrame = true;
        pos = nextRs + 1;
        continue;
      }
      if (nextLf < pos) {
        nextLf = chunk.indexOf(LF, pos);
        if (nextLf === -1) nextLf = len;
      }
      if (nextRs < nextLf) {
        // RFC 7464 §2.1: a text cut short by a new RS is dropped rather
        // than glued to the next one.
        this.partial.clear();
        pos = nextRs + 1;
        continue;
      }
      const size = this.partial.length + (nextLf - pos);
      if (size > this.maxMessageSize) {
        this.fail(`JSON text exceeds maxMessageSize (${size} > ${this.maxMessageSize} bytes${nextLf === len ? ', no LF yet' : ''})`);
      }
      if (nextLf === len) {
        this.partial.add(chunk.subarray(pos));
        return;
      }
      const payload = this.partial.length === 0 ? chunk.subarray(pos, nextLf) : this.partial.take(chunk.subarray(pos, nextLf));
      this.inFrame = false;
      pos = nextLf + 1;
      if (payload.length > 0) onFrame(payload);
    }
  }
}

/**
 * RFC 7464 framing (`'rfc7464'`): `0x1E <JSON> 0x0A`. Stateless; use the
 * {@link rfc7464Framing} singleton.
 */
export class Rfc7464Framing implements Framing {
  /** {@inheritDoc Framing.name} */
  readonly name = 'rfc7464';
  /** {@inheritDoc Framing.supportsBatches} */
  readonly supportsBatches = true;

  /** {@inheritDoc Framing.createDecoder} */
  createDecoder(options: FrameDecoderOptions): FrameDecoder {
    return new Rfc7464Decoder(options);
  }

  /**
   * Wraps a JSON text. Throws `EncodingError` if it contains a raw LF
   * (pretty-printed JSON from a custom codec): Python bsonrpc splits at the
   * first LF, so such a frame would be cut in two on the other side.
   */
  encode(payload: string | Buffer): Buffer {
    refuseRawLineFeed('rfc7464', payload);
    return wrapPayload('\x1e', payload, LF);
  }

  /** {@inheritDoc Framing.encodeText} */
  encodeText(payload: string, compact?: boolean): string {
    if (compact !== true) refuseRawLineFeed('rfc7464', payload);
    return '\x1e' + payload + '\n';
  }
}

/** The shared {@link Rfc7464Framing} instance. */
export const rfc7464Framing: Rfc7464Framing = Object.freeze(new Rfc7464Framing());
