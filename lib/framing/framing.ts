/**
 * The framing layer: turns a byte stream into frames (one encoded message
 * each) and wraps outgoing messages into frames.
 *
 * A framing owns only the bytes around a message. It does not parse JSON or
 * BSON (the codec does), does not know about requests or responses, and
 * does not touch the stream: the peer feeds it chunks and writes what it
 * returns.
 */

/** Per-connection limits a decoder enforces. */
export interface FrameDecoderOptions {
  /** Largest payload accepted, in bytes; a larger frame is a `FramingError`. */
  maxMessageSize: number;
}

/**
 * Splits one connection's incoming bytes into payloads. Stateful: create one
 * per connection with {@link Framing.createDecoder}.
 *
 * Contract, which every framing's spec checks at every byte boundary:
 * - a frame split across any number of chunks decodes exactly as if it came
 *   whole; several frames in one chunk all come out, in order;
 * - work is linear in the bytes received: bytes already scanned are not
 *   scanned again and the partial buffer is not re-concatenated per chunk;
 * - a payload larger than `maxMessageSize` throws a `FramingError` as soon as
 *   that is known (from a length prefix or header, or once a partial frame
 *   exceeds it), before buffering it;
 * - garbage the framing can skip (e.g. bytes outside RS…LF in rfc7464) is
 *   skipped; garbage it cannot resynchronise after throws a `FramingError`,
 *   after which the decoder must not be fed again.
 */
export interface FrameDecoder {
  /**
   * Feeds one chunk. Calls `onFrame` synchronously once per complete
   * payload (a view that stays valid: the decoder never reuses its memory).
   * Throws `FramingError` on unrecoverable input.
   */
  push(chunk: Buffer, onFrame: (payload: Buffer) => void): void;
  /** Bytes held for a frame that has begun but not finished (0 between frames). */
  readonly bufferedBytes: number;
}

/**
 * How messages are delimited on the wire. Pass one of the built-in names to
 * the `framing` option or an object implementing this interface.
 */
export interface Framing {
  /** A short name for logs, e.g. `'rfc7464'`. */
  readonly name: string;
  /** A fresh decoder for one connection. */
  createDecoder(options: FrameDecoderOptions): FrameDecoder;
  /**
   * Wraps one encoded message into a frame. `payload` is the JSON text (JSON
   * framings) or the BSON document bytes. Returns the bytes to write.
   */
  encode(payload: string | Buffer): Buffer;
  /**
   * Optional: the same frame as {@link Framing.encode} for a JSON text,
   * returned as a string. Peers prefer it when present, because a string
   * goes to the socket as it is and is encoded to UTF-8 once, inside the
   * socket's write, instead of first being copied into a Buffer here.
   * `Buffer.from(encodeText(t), 'utf8')` must equal `encode(t)`, and it
   * must throw wherever `encode` would.
   *
   * `compact` is true when the codec guarantees the text holds no raw line
   * feed (the codec's `compactText`); a line-based framing may then
   * skip looking for one. (Scanning a fresh 1 MiB `JSON.stringify` result
   * costs about as much as encoding it to UTF-8.)
   */
  encodeText?(payload: string, compact?: boolean): string;
  /**
   * True when the framing can carry a top-level JSON array (a batch).
   * Python bsonrpc's frameless reader needs each message to begin with `{`,
   * but this library's frameless splitter reads arrays too.
   */
  readonly supportsBatches?: boolean;
}
