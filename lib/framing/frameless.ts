/**
 * Frameless JSON: values written back to back with no separator, split by
 * a streaming scanner (Python bsonrpc's `JSONFramingNone`).
 */
import { DecoderBase } from './decoder-base';
import type { FrameDecoder, FrameDecoderOptions, Framing } from './framing';
import { describeByte } from './partial-frame';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
/** Bytes of a string walked in JS before switching to native searches. */
const SHORT_WALK = 24;

/**
 * Decoder for frameless JSON. It finds where each top-level object or array
 * ends by counting `{`/`[` against `}`/`]` outside strings, tracking string
 * and escape state so that brackets and `\"` inside strings do not count.
 * It does not check that the value is valid JSON (the codec does) nor that
 * brackets match in kind: `{]` ends a frame and fails in the codec.
 *
 * The scan state survives chunk boundaries, so each byte is examined once;
 * inside strings it jumps to the next quote or backslash with native
 * searches. Whitespace between values is skipped. Anything else between
 * values (a scalar, a stray `}`) is a `FramingError`: with no delimiter
 * there is no point to resynchronise at.
 */
export class FramelessDecoder extends DecoderBase {
  /** Open objects/arrays of the current value; 0 between values. */
  private depth = 0;
  private inString = false;
  /** The previous byte was a backslash inside a string. */
  private escaped = false;

  constructor(options: FrameDecoderOptions) {
    super('frameless', options);
  }


  /** {@inheritDoc FrameDecoder.push} */
  override push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
    if (this.failure) throw this.failure;
    const len = chunk.length;
    // Locals instead of fields in the hot loop; written back before any
    // onFrame call or return.
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let start = depth > 0 ? 0 : -1;
    // Cached positions of the next quote and backslash in this chunk (len
    // = none): a string full of escapes would otherwise have the same bytes
    // searched again after every backslash.
    let nextQuote = -1;
    let nextBackslash = -1;
    let pos = 0;
    while (pos < len) {
      if (depth === 0) {
        const byte = chunk[pos];
        if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
          depth = 1;
          start = pos++;
        } else if (byte === SPACE || byte === LF || byte === CR || byte === TAB) {
          pos++;
        } else {
          this.fail(`expected "{" or "[" to start a value, got ${describeByte(byte)}`);
        }
        continue;
      }
      if (inString) {
        if (escaped) {
          escaped = false;
          pos++;
          continue;
        }
        // Keys and method names are short: walking a few bytes is cheaper
        // than two native searches, which pay off on long strings only.
        const walkEnd = pos + SHORT_WALK < len ? pos + SHORT_WALK : len;
        while (pos < walkEnd) {
          const byte = chunk[pos];
          if (byte === QUOTE || byte === BACKSLASH) break;
          pos++;
        }
        if (pos < walkEnd) {
          if (chunk[pos++] === QUOTE) inString = false;
          else escaped = true;
          continue;
        }
        if (pos === len) continue;
        if (nextQuote < pos) {
          nextQuote = chunk.indexOf(QUOTE, pos);
          if (nextQuote === -1) nextQuote = len;
        }
        if (nextBackslash < pos) {
          nextBackslash = chunk.indexOf(BACKSLASH, pos);
          if (nextBackslash === -1) nextBackslash = len;
        }
        if (nextBackslash < nextQuote) {
          escaped = true;
          pos = nextBackslash + 1;
        } else {
          // Past the closing quote, or to the end of the chunk if the
          // string goes on in the next one.
          inString = nextQuote === len;
          pos = inString ? len : nextQuote + 1;
        }
        continue;
      }
      const byte = chunk[pos++];
      if (byte === QUOTE) {
        inString = true;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        depth++;
      } else if ((byte === CLOSE_BRACE || byte === CLOSE_BRACKET) && --depth === 0) {
        const size = this.partial.length + (pos - start);
        if (size > this.maxMessageSize) this.fail(`value exceeds maxMessageSize (${size} > ${this.maxMessageSize} bytes)`);
        const payload = this.partial.length === 0 ? chunk.subarray(start, pos) : this.partial.take(chunk.subarray(start, pos));
        this.depth = 0;
        this.inString = false;
        this.escaped = false;
        start = -1;
        onFrame(payload);
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    if (depth > 0) {
      const size = this.partial.length + (len - start);
      if (size > this.maxMessageSize) {
        this.fail(`value exceeds maxMessageSize (${size} > ${this.maxMessageSize} bytes, not closed yet)`);
      }
      this.partial.add(start === 0 ? chunk : chunk.subarray(start));
    }
  }
}

/**
 * Frameless JSON framing (`'frameless'`): payloads are written as they are,
 * with nothing between them. Python bsonrpc's reader requires each message
 * to begin with `{`, so only objects (no batches) interoperate with it;
 * this library's decoder also reads arrays. Stateless; use the
 * {@link framelessFraming} singleton.
 */
export class FramelessFraming implements Framing {
  /** {@inheritDoc Framing.name} */
  readonly name = 'frameless';
  /** {@inheritDoc Framing.supportsBatches} */
  readonly supportsBatches = true;

  /** {@inheritDoc Framing.createDecoder} */
  createDecoder(options: FrameDecoderOptions): FrameDecoder {
    return new FramelessDecoder(options);
  }

  /**
   * The payload's bytes as they are (a Buffer is returned itself, not
   * copied): no whitespace may precede a value for Python's reader.
   */
  encode(payload: string | Buffer): Buffer {
    return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  }

  /** {@inheritDoc Framing.encodeText} */
  encodeText(payload: string): string {
    return payload;
  }
}

/** The shared {@link FramelessFraming} instance. */
export const framelessFraming: FramelessFraming = Object.freeze(new FramelessFraming());
