/**
 * BSON documents are self-delimiting: an int32 little-endian total length
 * (counting its own 4 bytes and the trailing 0x00) comes first. The framing
 * of `BsonRpc`, as in Python bsonrpc's `BSONRpc`.
 */
import { DecoderBase } from './decoder-base';
import type { FrameDecoder, FrameDecoderOptions, Framing } from './framing';
import { describeByte } from './partial-frame';

/** The smallest document: the length and the terminating 0x00 (`{}`). */
const MIN_DOCUMENT = 5;

/**
 * Decoder for concatenated BSON documents. The payload is the whole
 * document, length prefix included. A length below 5 or above
 * `maxMessageSize` fails as soon as the 4 prefix bytes are in, before the
 * body is buffered; a document whose last byte is not 0x00 fails too, since
 * it means the stream is out of step and nothing after it can be trusted.
 * The document's contents are left to the codec.
 */
export class BsonLengthDecoder extends DecoderBase {
  /** Prefix bytes seen so far of a prefix split across chunks (0–3). */
  private prefixBytes = 0;
  /** The prefix as it is assembled, byte by byte, little-endian. */
  private prefixValue = 0;
  /** The current document's total length; -1 until its prefix is complete. */
  private expected = -1;

  constructor(options: FrameDecoderOptions) {
    super('bson', options);
  }


  /** {@inheritDoc FrameDecoder.push} */
  override push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    if (this.failure) throw this.failure;
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      if (this.expected === -1) {
        if (this.prefixBytes === 0 && len - pos >= 4) {
          this.expected = this.checkLength(chunk.readInt32LE(pos));
        } else {
          // The prefix straddles chunks: assemble it a byte at a time and
          // keep the bytes, since they belong to the payload.
          const take = Math.min(4 - this.prefixBytes, len - pos);
          for (let i = 0; i < take; i++) {
            this.prefixValue += chunk[pos + i] * 2 ** (8 * this.prefixBytes++);
          }
          this.partial.add(chunk.subarray(pos, pos + take));
          pos += take;
          if (this.prefixBytes < 4) return;
          this.expected = this.checkLength(this.prefixValue | 0);
          this.prefixBytes = 0;
          this.prefixValue = 0;
          continue;
        }
      }
      const due = this.expected - this.partial.length;
      const available = len - pos;
      if (available < due) {
        this.partial.add(chunk.subarray(pos));
        return;
      }
      const end = pos + due;
      const last = chunk[end - 1];
      if (last !== 0) this.fail(`document of ${this.expected} bytes does not end with 0x00 (got ${describeByte(last)}); the stream is out of step`);
      const payload = this.partial.length === 0 ? chunk.subarray(pos, end) : this.partial.take(chunk.subarray(pos, end));
      this.expected = -1;
      pos = end;
      onFrame(payload);
    }
  }

  private checkLength(length: number): number {
    if (length < MIN_DOCUMENT) this.fail(`document length ${length} is below the minimum of ${MIN_DOCUMENT} bytes`);
    if (length > this.maxMessageSize) this.fail(`document length ${length} exceeds maxMessageSize (${this.maxMessageSize} bytes)`);
    return length;
  }
}

/**
 * BSON length framing (`'bson'`, used by `BsonRpc`): documents are written
 * as they are, since they carry their own length. Stateless; use the
 * {@link bsonLengthFraming} singleton.
 */
export class BsonLengthFraming implements Framing {
  /** {@inheritDoc Framing.name} */
  readonly name = 'bson';
  /** BSON-RPC has no batches: a top-level BSON value is always a document. */
  readonly supportsBatches = false;

  /** {@inheritDoc Framing.createDecoder} */
  createDecoder(options: FrameDecoderOptions): FrameDecoder {
    return new BsonLengthDecoder(options);
  }

  /**
   * The document itself. Throws `TypeError` for a string: a BSON codec
   * produces bytes, so a string means the wrong codec was paired with it.
   */
  encode(payload: string | Buffer): Buffer {
    if (typeof payload === 'string') throw new TypeError('bson framing carries BSON document bytes, got a string');
    return payload;
  }
}

/** The shared {@link BsonLengthFraming} instance. */
export const bsonLengthFraming: BsonLengthFraming = Object.freeze(new BsonLengthFraming());
