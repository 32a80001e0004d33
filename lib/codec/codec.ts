/**
 * The codec layer: one message value ↔ one frame payload. A codec does not
 * know about framing or about JSON-RPC semantics; it only encodes and
 * decodes values and wraps foreign exceptions into `EncodingError` /
 * `DecodingError`.
 */

/** Encodes and decodes whole messages for one wire format. */
export interface MessageCodec {
  /** The version key the wire uses: `'jsonrpc'` for JSON, `'bsonrpc'` for BSON. */
  readonly versionKey: 'jsonrpc' | 'bsonrpc';
  /** True when a top-level array (batch) can be carried: the peer refuses to send batches otherwise. */
  readonly supportsBatches: boolean;
  /**
   * True when a payload that fails to decode can be answered with -32700 and
   * reading go on (JSON: the framing already found where the text ends).
   * False closes the connection instead (BSON cannot resynchronise).
   */
  readonly resyncOnDecodeError: boolean;
  /** True when payloads are JSON text whose nesting depth is checked before parsing. */
  readonly checkNesting: boolean;
  /**
   * True when every text `encode` returns is compact JSON: no raw line
   * feed anywhere (the built-in `JSON.stringify` guarantees it). Line-based
   * framings then need not scan a text for one before framing it.
   */
  readonly compactText?: boolean;
  /** Encodes one message (or batch array). Throws `EncodingError`; nothing is sent then. */
  encode(message: unknown): string | Buffer;
  /**
   * Decodes one payload: bytes from a byte stream or a binary message, or
   * the text of a whole-message transport's text frame. Throws
   * `DecodingError` (the peer answers -32700 for JSON).
   */
  decode(payload: Uint8Array | string): unknown;
}

/** The message of a caught value, for the text of a wrapping `EncodingError` / `DecodingError`. @internal */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * True for an object literal or an `Object.create(null)` object: what both
 * codecs carry as a map, as opposed to a class instance. @internal
 */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * `bytes` as a Buffer over the same memory, without copying (js-bson and
 * replacement libraries may hand back a plain Uint8Array). @internal
 */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
