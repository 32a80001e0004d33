/**
 * The JSON codec: one JSON-RPC message (or batch array) ↔ one JSON text.
 *
 * It owns only the text conversion. It does not frame (the framing turns the
 * text into bytes), does not validate JSON-RPC shapes, and does not touch
 * the stream.
 */
import { isAscii } from 'node:buffer';
import { DecodingError, EncodingError } from '../errors';
import { errorText, toBuffer, type MessageCodec } from './codec';

/**
 * A replacement for the built-in `JSON` object (the `codec` option of
 * `JsonRpc`), e.g. a parser that keeps big integers exact. Only these two
 * functions are used; they are called as methods of the object given.
 */
export interface JsonCodecOverride {
  /** Parses one JSON text into a value. Throws on invalid input. */
  parse(text: string): unknown;
  /** Serialises a value into one JSON text. Throws when it cannot. */
  stringify(value: unknown): string;
}

/**
 * Encodes messages with `JSON.stringify` and decodes them with `JSON.parse`
 * (or the replacement given), wrapping every failure into
 * `EncodingError` / `DecodingError` with the original error as `cause`.
 *
 * Values follow JSON's own rules: `undefined`, functions and symbols inside
 * objects are dropped and become `null` inside arrays; `Date` becomes its
 * ISO string; `bigint` and cycles cannot be encoded.
 */
export class JsonCodec implements MessageCodec {
  /** JSON-RPC messages carry `"jsonrpc": "2.0"`. */
  readonly versionKey = 'jsonrpc' as const;
  /** JSON can carry a top-level array, i.e. a batch. */
  readonly supportsBatches = true;
  /** The framing knows where a bad text ends: answer -32700 and read on. */
  readonly resyncOnDecodeError = true;
  /** Nesting is checked on the raw text before `JSON.parse` sees it. */
  readonly checkNesting = true;

  /**
   * True with the built-in `JSON`, whose `stringify` escapes every control
   * character and adds no whitespace; a replacement may pretty-print.
   */
  readonly compactText: boolean;

  private readonly json: JsonCodecOverride;

  /** @param json - a replacement for the global `JSON`; default `JSON`. */
  constructor(json?: JsonCodecOverride) {
    this.json = json ?? JSON;
    this.compactText = this.json === JSON;
  }

  /** Encodes one message or batch into JSON text. Throws `EncodingError`. */
  encode(message: unknown): string {
    let text: unknown;
    try {
      text = this.json.stringify(message);
    } catch (err) {
      throw new EncodingError(`cannot encode message as JSON: ${errorText(err)}`, { cause: err });
    }
    // JSON.stringify returns undefined (it does not throw) for undefined,
    // a function or a symbol at the top level; sending nothing would leave
    // the caller waiting for a response that never comes.
    if (typeof text !== 'string') {
      throw new EncodingError(`cannot encode message as JSON: a ${typeof message} has no JSON form`);
    }
    return text;
  }

  /** Decodes one UTF-8 JSON payload, or a JSON text. Throws `DecodingError`. */
  decode(payload: Uint8Array | string): unknown {
    try {
      return this.json.parse(typeof payload === 'string' ? payload : toText(toBuffer(payload)));
    } catch (err) {
      throw new DecodingError(`invalid JSON: ${errorText(err)}`, { cause: err });
    }
  }
}

/** Payloads from this size up are checked for pure ASCII first (below it the check costs more than it saves). */
const ASCII_FROM = 4096;
/**
 * ...and below this size. From about 1 MB (Node's EXTERN_APEX, 0xFBEE9
 * bytes) an ASCII decode returns an external string, whose memory V8
 * reclaims late: an echo loop of 1 MiB payloads peaked at ~150 MiB RSS
 * instead of ~64 MiB. UTF-8 decoding always copies into the V8 heap.
 */
const ASCII_UNTIL = 1_000_000;

/**
 * The payload as a string, decoded as UTF-8. Pure ASCII text (most JSON)
 * decodes to the same string as ASCII, which is cheaper than UTF-8
 * decoding for large payloads (isAscii is a vectorised scan; measured
 * about a third less for ASCII payloads in this size range).
 */
function toText(payload: Buffer): string {
  const n = payload.length;
  if (n >= ASCII_FROM && n < ASCII_UNTIL && isAscii(payload)) return payload.toString('ascii');
  return payload.toString('utf8');
}
