/**
 * Newline-delimited JSON: one JSON text per line.
 */
import { DecoderBase } from './decoder-base';
import type { FrameDecoder, FrameDecoderOptions, Framing } from './framing';
import { refuseRawLineFeed, wrapPayload } from './partial-frame';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Decoder for NDJSON. Lines end at LF; a CR right before the LF is dropped
 * so CRLF senders work; empty lines are skipped. Nothing else is validated
 * here: a line that is not JSON reaches the codec, which answers it, and
 * the next line still decodes.
 */
export class NdjsonDecoder extends DecoderBase {
  constructor(options: FrameDecoderOptions) {
    super('ndjson', options);
  }


  /** {@inheritDoc FrameDecoder.push} */
  override push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    if (this.failure) throw this.failure;
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) {
        const held = this.partial.length + (len - pos);
        // One byte of slack: a line of exactly maxMessageSize may still
        // carry the CR of a CRLF.
        if (held > this.maxMessageSize + 1 || (held === this.maxMessageSize + 1 && chunk[len - 1] !== CR)) {
          this.fail(`line exceeds maxMessageSize (${held} > ${this.maxMessageSize} bytes, no LF yet)`);
        }
        this.partial.add(chunk.subarray(pos));
        return;
      }
      let line = this.partial.length === 0 ? chunk.subarray(pos, lf) : this.partial.take(chunk.subarray(pos, lf));
      pos = lf + 1;
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      if (line.length > this.maxMessageSize) {
        this.fail(`line exceeds maxMessageSize (${line.length} > ${this.maxMessageSize} bytes)`);
      }
      if (line.length > 0) onFrame(line);
    }
  }
}

/**
 * NDJSON framing (`'ndjson'`): `<JSON>\n`. Stateless; use the
 * {@link ndjsonFraming} singleton.
 */
export class NdjsonFraming implements Framing {
  /** {@inheritDoc Framing.name} */
  readonly name = 'ndjson';
  /** {@inheritDoc Framing.supportsBatches} */
  readonly supportsBatches = true;

  /** {@inheritDoc Framing.createDecoder} */
  createDecoder(options: FrameDecoderOptions): FrameDecoder {
    return new NdjsonDecoder(options);
  }

  /**
   * Appends the LF. Throws `EncodingError` if the text contains a raw LF
   * (pretty-printed JSON from a custom codec), which would split it.
   */
  encode(payload: string | Buffer): Buffer {
    refuseRawLineFeed('ndjson', payload);
    return wrapPayload('', payload, LF);
  }

  /** {@inheritDoc Framing.encodeText} */
  encodeText(payload: string, compact?: boolean): string {
    if (compact !== true) refuseRawLineFeed('ndjson', payload);
    return payload + '\n';
  }
}

/** The shared {@link NdjsonFraming} instance. */
export const ndjsonFraming: NdjsonFraming = Object.freeze(new NdjsonFraming());
