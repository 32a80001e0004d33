/**
 * Netstrings: `<decimal byte length>:<payload>,` (D. J. Bernstein), one of
 * Python bsonrpc's three JSON framings.
 */
import { DecoderBase } from './decoder-base';
import type { FrameDecoder, FrameDecoderOptions, Framing } from './framing';
import { describeByte, payloadLength, wrapPayload } from './partial-frame';

const COLON = 0x3a;
const COMMA = 0x2c;
const DIGIT_0 = 0x30;
/**
 * Longest length accepted. Python bsonrpc gives up after 10 bytes without a
 * colon too, and 10 digits already exceed any Buffer a Node process can
 * hold; the bound also keeps the running value an exact integer.
 */
const MAX_DIGITS = 10;

const enum State {
  Length,
  Body,
  Comma,
}

/**
 * Decoder for netstrings. The length is validated digit by digit, so a
 * stream that is not netstrings, or that announces an oversized payload,
 * fails on the first byte that shows it rather than after buffering.
 * Leading zeros are accepted (Python's `int()` does); an empty length, a
 * non-digit, or a missing `,` is a `FramingError`. `0:,` yields an empty
 * payload (the codec then answers a parse error).
 */
export class NetstringDecoder extends DecoderBase {
  private state = State.Length;
  private digits = 0;
  /** The announced length while reading digits; then the bytes still due. */
  private value = 0;
  private bodyLength = 0;
  /** A complete body waiting for its `,`. */
  private ready: Buffer | null = null;

  constructor(options: FrameDecoderOptions) {
    super('netstring', options);
  }

  /** Bytes of the unfinished netstring held, length digits included (0 between frames). */
  override get bufferedBytes(): number {
    switch (this.state) {
      case State.Length:
        return this.digits;
      case State.Body:
        return this.digits + 1 + this.partial.length;
      case State.Comma:
        return this.digits + 1 + this.bodyLength;
    }
  }

  /** {@inheritDoc FrameDecoder.push} */
  override push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    if (this.failure) throw this.failure;
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      switch (this.state) {
        case State.Length: {
          const byte = chunk[pos++];
          if (byte === COLON) {
            if (this.digits === 0) this.fail('empty length before ":"');
            this.state = State.Body;
            this.bodyLength = this.value;
            break;
          }
          const digit = byte - DIGIT_0;
          if (digit < 0 || digit > 9) {
            this.fail(`expected a length digit or ":", got ${describeByte(byte)}`);
          }
          if (++this.digits > MAX_DIGITS) this.fail(`length has more than ${MAX_DIGITS} digits`);
          this.value = this.value * 10 + digit;
          if (this.value > this.maxMessageSize) {
            this.fail(`announced length exceeds maxMessageSize (at least ${this.value} > ${this.maxMessageSize} bytes)`);
          }
          break;
        }
        case State.Body: {
          const due = this.value;
          const available = len - pos;
          if (available < due) {
            this.partial.add(chunk.subarray(pos));
            this.value -= available;
            return;
          }
          const end = pos + due;
          this.ready = this.partial.length === 0 ? chunk.subarray(pos, end) : this.partial.take(chunk.subarray(pos, end));
          this.value = 0;
          pos = end;
          this.state = State.Comma;
          break;
        }
        case State.Comma: {
          const byte = chunk[pos++];
          if (byte !== COMMA) {
            this.fail(`expected "," after the ${this.bodyLength}-byte payload, got ${describeByte(byte)}`);
          }
          const payload = this.ready as Buffer;
          this.ready = null;
          this.state = State.Length;
          this.digits = 0;
          this.value = 0;
          onFrame(payload);
          break;
        }
      }
    }
  }

  /** {@inheritDoc DecoderBase.discard} */
  protected override discard(): void {
    super.discard();
    this.ready = null;
  }
}

/**
 * Netstring framing (`'netstring'`): `<len>:<JSON>,` with the length in
 * bytes. Stateless; use the {@link netstringFraming} singleton.
 */
export class NetstringFraming implements Framing {
  /** {@inheritDoc Framing.name} */
  readonly name = 'netstring';
  /** {@inheritDoc Framing.supportsBatches} */
  readonly supportsBatches = true;

  /** {@inheritDoc Framing.createDecoder} */
  createDecoder(options: FrameDecoderOptions): FrameDecoder {
    return new NetstringDecoder(options);
  }

  /** {@inheritDoc Framing.encode} */
  encode(payload: string | Buffer): Buffer {
    const length = payloadLength(payload);
    return wrapPayload(`${length}:`, payload, COMMA, length);
  }

  /** {@inheritDoc Framing.encodeText} */
  encodeText(payload: string): string {
    return `${Buffer.byteLength(payload, 'utf8')}:${payload},`;
  }
}

/** The shared {@link NetstringFraming} instance. */
export const netstringFraming: NetstringFraming = Object.freeze(new NetstringFraming());
