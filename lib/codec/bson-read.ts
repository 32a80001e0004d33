/**
 * A direct BSON reader for the element types BSON-RPC messages are made of:
 * double, string, document, array, generic binary, boolean, datetime, null,
 * int32 and int64. A document made only of those decodes here to exactly
 * what js-bson 7 (with the codec's options and normalisation) makes of it
 * (spec/codec/bson-wire.spec.ts compares the two on generated and on
 * corrupted documents). Anything else returns `undefined` and goes to
 * js-bson:
 * - any other element type (ObjectId, regex, Decimal128, binary subtypes
 *   other than 0, …);
 * - a document key starting with `$` (js-bson turns `$ref`/`$id` documents
 *   into DBRefs);
 * - nesting deeper than {@link MAX_DEPTH};
 * - and every malformed byte, so that js-bson alone decides what is
 *   rejected and with which message.
 *
 * This reader therefore never throws and never accepts what js-bson
 * refuses. Every read is bounds-checked against its own container, not
 * just the buffer.
 */
import { isUtf8 } from 'node:buffer';
import { MAX_DEPTH } from './bson-write';

const TWO_POW_32 = 2 ** 32;
/** Highest int32 word of an int64 whose value a `number` holds exactly (|n| < 2^53). */
const SAFE_HIGH = 0x20_0000;
const TWO_POW_53 = 2n ** 53n;
/** ASCII strings up to this many bytes go through the {@link recent} cache. */
const SHORT = 16;
const DOLLAR = 0x24;

/**
 * The short ASCII strings decoded last, by a hash of length, first and last
 * byte. Keys and values such as "bsonrpc", "id", "2.0" or a method name
 * recur in every message: a hit costs a few byte comparisons and allocates
 * nothing, where decoding costs a native call (~120 ns measured) and a new
 * string. Bounded: 256 strings of at most 16 characters.
 */
const recent: string[] = new Array<string>(256).fill('');

/**
 * Decodes `buf` when it holds exactly one BSON document of the supported
 * element types; otherwise returns `undefined` (see the module comment).
 */
export function readDocument(buf: Buffer): Record<string, unknown> | undefined {
  const n = buf.length;
  if (n < 5 || buf.readInt32LE(0) !== n || buf[n - 1] !== 0) return undefined;
  return readContainer(buf, 0, n, false, 0) as Record<string, unknown> | undefined;
}

/**
 * Reads the document or array spanning `start`..`end` (the int32 size at
 * `start`, the caller has checked that the byte at `end - 1` is NUL).
 */
function readContainer(buf: Buffer, start: number, end: number, isArray: boolean, depth: number): object | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const out: Record<string, unknown> | unknown[] = isArray ? [] : {};
  let pos = start + 4;
  let index = 0;
  for (;;) {
    if (pos >= end) return undefined;
    const type = buf[pos++];
    if (type === 0) return pos === end ? out : undefined;

    // Key: a NUL-terminated string within this container.
    const keyStart = pos;
    let ascii = true;
    while (pos < end && buf[pos] !== 0) {
      if (buf[pos] > 0x7f) ascii = false;
      pos++;
    }
    if (pos >= end) return undefined;
    let key: string | number;
    if (isArray) {
      // js-bson numbers array elements in order and ignores the stored keys.
      key = index++;
    } else {
      if (buf[keyStart] === DOLLAR) return undefined;
      // Keys are not UTF-8 validated by js-bson either: invalid bytes become U+FFFD.
      key = ascii ? asciiString(buf, keyStart, pos) : buf.toString('utf8', keyStart, pos);
    }
    pos++;

    let value: unknown;
    switch (type) {
      case 0x01: // double
        if (end - pos < 8) return undefined;
        value = buf.readDoubleLE(pos);
        pos += 8;
        break;
      case 0x02: {
        // string: int32 byte count including the NUL, bytes, NUL
        if (end - pos < 5) return undefined;
        const len = buf.readInt32LE(pos);
        pos += 4;
        if (len <= 0 || len > end - pos || buf[pos + len - 1] !== 0) return undefined;
        value = readString(buf, pos, pos + len - 1);
        if (value === undefined) return undefined;
        pos += len;
        break;
      }
      case 0x03: // document
      case 0x04: {
        // array
        if (end - pos < 5) return undefined;
        const len = buf.readInt32LE(pos);
        if (len < 5 || len > end - pos || buf[pos + len - 1] !== 0) return undefined;
        value = readContainer(buf, pos, pos + len, type === 0x04, depth + 1);
        if (value === undefined) return undefined;
        pos += len;
        break;
      }
      case 0x05: {
        // binary: int32 byte count, subtype, bytes. Subtype 0 only.
        if (end - pos < 5) return undefined;
        const len = buf.readInt32LE(pos);
        if (buf[pos + 4] !== 0 || len < 0 || len > end - pos - 5) return undefined;
        // A view into the frame, as js-bson's promoteBuffers gives.
        value = buf.subarray(pos + 5, pos + 5 + len);
        pos += 5 + len;
        break;
      }
      case 0x08: {
        if (pos >= end) return undefined;
        const b = buf[pos++];
        if (b > 1) return undefined;
        value = b === 1;
        break;
      }
      case 0x09: // datetime: int64 ms, computed as js-bson's Long#toNumber does
        if (end - pos < 8) return undefined;
        value = new Date(buf.readInt32LE(pos + 4) * TWO_POW_32 + buf.readUInt32LE(pos));
        pos += 8;
        break;
      case 0x0a:
        value = null;
        break;
      case 0x10:
        if (end - pos < 4) return undefined;
        value = buf.readInt32LE(pos);
        pos += 4;
        break;
      case 0x12: {
        // int64: a number when |n| <= 2^53, else a bigint (the codec's mapping)
        if (end - pos < 8) return undefined;
        const high = buf.readInt32LE(pos + 4);
        if (high >= -SAFE_HIGH && high < SAFE_HIGH) value = high * TWO_POW_32 + buf.readUInt32LE(pos);
        else value = int64Value(buf.readBigInt64LE(pos));
        pos += 8;
        break;
      }
      default:
        return undefined;
    }
    if (key === '__proto__') {
      // Defined, not assigned: an own member, never the prototype.
      Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    } else (out as Record<string | number, unknown>)[key] = value;
  }
}

/**
 * The codec's mapping of an int64: a `number` when it holds the value
 * exactly (|n| <= 2^53), else the `bigint`. Also applied to js-bson's `Long`s.
 */
export function int64Value(big: bigint): number | bigint {
  return big <= TWO_POW_53 && big >= -TWO_POW_53 ? Number(big) : big;
}

/** Decodes a string value; `undefined` for invalid UTF-8 (js-bson rejects it). */
function readString(buf: Buffer, start: number, end: number): string | undefined {
  if (end - start <= SHORT) {
    let i = start;
    while (i < end && buf[i] <= 0x7f) i++;
    if (i === end) return asciiString(buf, start, end);
  }
  const s = buf.toString('utf8', start, end);
  // U+FFFD is either in the text or stands for invalid bytes; only a check of the bytes tells.
  if (s.includes('\uFFFD') && !isUtf8(buf.subarray(start, end))) return undefined;
  return s;
}

/** Decodes ASCII bytes; short ones through the {@link recent} cache. */
function asciiString(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return '';
  if (n > SHORT) return buf.toString('latin1', start, end);
  const slot = (n * 7 + buf[start] * 31 + buf[end - 1]) & 255;
  const hit = recent[slot];
  if (hit.length === n) {
    let i = 0;
    while (i < n && hit.charCodeAt(i) === buf[start + i]) i++;
    if (i === n) return hit;
  }
  return (recent[slot] = buf.toString('latin1', start, end));
}
