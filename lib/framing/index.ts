/**
 * The framing layer's barrel: the built-in framings, their decoders, and
 * {@link resolveFraming}, which turns the `framing` option into a
 * {@link Framing}.
 */
import { bsonLengthFraming } from './bson-length';
import { contentLengthFraming } from './content-length';
import { framelessFraming } from './frameless';
import type { Framing } from './framing';
import { ndjsonFraming } from './ndjson';
import { netstringFraming } from './netstring';
import { rfc7464Framing } from './rfc7464';

export type { FrameDecoder, FrameDecoderOptions, Framing } from './framing';
export { BsonLengthDecoder, BsonLengthFraming, bsonLengthFraming } from './bson-length';
export { ContentLengthDecoder, ContentLengthFraming, MAX_HEADER_BYTES, contentLengthFraming } from './content-length';
export { FramelessDecoder, FramelessFraming, framelessFraming } from './frameless';
export { NdjsonDecoder, NdjsonFraming, ndjsonFraming } from './ndjson';
export { NetstringDecoder, NetstringFraming, netstringFraming } from './netstring';
export { Rfc7464Decoder, Rfc7464Framing, rfc7464Framing } from './rfc7464';

/** The JSON framings a `JsonRpc` accepts by name (its `framing` option). */
export type FramingName = 'rfc7464' | 'netstring' | 'frameless' | 'ndjson' | 'content-length';

/** {@link FramingName}s in a stable order, for messages and option checks. */
export const FRAMING_NAMES: readonly FramingName[] = Object.freeze([
  'rfc7464',
  'netstring',
  'frameless',
  'ndjson',
  'content-length',
]);

const byName: ReadonlyMap<string, Framing> = new Map<string, Framing>([
  ['rfc7464', rfc7464Framing],
  ['netstring', netstringFraming],
  ['frameless', framelessFraming],
  ['ndjson', ndjsonFraming],
  ['content-length', contentLengthFraming],
  // Not a JSON framing: `BsonRpc` resolves it for itself.
  ['bson', bsonLengthFraming],
]);

/**
 * Turns the `framing` option into a {@link Framing}: a built-in name gives
 * its shared instance (`'bson'` gives the BSON length framing, which
 * `BsonRpc` uses); an object with `createDecoder` and `encode` methods is
 * returned as it is. Anything else is a `TypeError` naming what is
 * accepted. Does not decide which framings suit which peer.
 */
export function resolveFraming(nameOrObject: string | Framing): Framing {
  if (typeof nameOrObject === 'string') {
    const framing = byName.get(nameOrObject);
    if (framing === undefined) {
      const valid = [...byName.keys()].map((n) => `'${n}'`).join(', ');
      throw new TypeError(`unknown framing ${JSON.stringify(nameOrObject)}: expected one of ${valid}, or an object with createDecoder() and encode()`);
    }
    return framing;
  }
  if (typeof nameOrObject === 'object' && nameOrObject !== null) {
    const candidate = nameOrObject as Partial<Record<keyof Framing, unknown>>;
    const missing = (['createDecoder', 'encode'] as const).filter((m) => typeof candidate[m] !== 'function');
    if (candidate.encodeText !== undefined && typeof candidate.encodeText !== 'function') {
      throw new TypeError('invalid framing object: encodeText is set but is not a function');
    }
    if (missing.length === 0) return nameOrObject;
    throw new TypeError(`invalid framing object: ${missing.map((m) => `${m}()`).join(' and ')} missing; a framing needs createDecoder(options) and encode(payload)`);
  }
  throw new TypeError(`invalid framing ${describe(nameOrObject)}: expected a framing name or an object with createDecoder() and encode()`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'function';
  return `${typeof value} ${String(value)}`;
}
