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
  /** True when a top-level array (batch) can be carried. */
  readonly supportsBatches: boolean;
  /**
   * True when every text `encode` returns is compact JSON: no raw line
   * feed anywhere (the built-in `JSON.stringify` guarantees it). Line-based
   * framings then need not scan a text for one before framing it.
   */
  readonly compactText?: boolean;
  /** Encodes one message (or batch array). Throws `EncodingError`; nothing is sent then. */
  encode(message: unknown): string | Buffer;
  /** Decodes one payload. Throws `DecodingError` (the peer answers -32700 for JSON). */
  decode(payload: Buffer): unknown;
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
