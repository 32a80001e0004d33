/**
 * A direct BSON writer for the values BSON-RPC messages are made of, after
 * the codec's `prepare` step: documents, arrays, strings, numbers, bigints,
 * booleans, null, Dates and byte arrays. For those it writes the bytes
 * js-bson 7's `serialize` writes (spec/codec/bson-wire.spec.ts compares the
 * two byte for byte on generated values). For anything else (a js-bson
 * value such as `ObjectId`, a `RegExp`, a `Map`, a key holding NUL, nesting
 * deeper than {@link MAX_DEPTH}) it returns `undefined`, and the codec hands
 * the whole message to js-bson, which keeps the last word on every rare case
 * and on every error message.
 *
 * Why not js-bson for everything: it serialises into a shared 17 MiB buffer
 * and copies the result out, and loading it costs a BsonRpc process ~1.6 MiB
 * before the first message. This writer sizes the document first and fills
 * one exact Buffer, and js-bson is only loaded when a message needs it.
 */

/** Deeper documents go to js-bson, whose writer is not recursive. */
export const MAX_DEPTH = 100;

/** Size returned by the sizing pass for "not this writer's job". */
const UNSUPPORTED = -1;
const INT32_MAX = 0x7fff_ffff;
const TWO_POW_32 = 2 ** 32;
/** Strings up to this many UTF-16 units are measured and written by a JS loop when ASCII. */
const SHORT = 32;

const enum BsonType {
  Double = 0x01,
  String = 0x02,
  Document = 0x03,
  Array = 0x04,
  Binary = 0x05,
  Boolean = 0x08,
  Date = 0x09,
  Null = 0x0a,
  Int32 = 0x10,
  Int64 = 0x12,
}

/**
 * Returns `document` as one BSON document, or `undefined` when it holds a
 * value this writer leaves to js-bson (see the module comment). Throws
 * nothing of its own: a value that changes between the sizing and the
 * writing pass (a getter) also yields `undefined`.
 */
export function writeDocument(document: object): Buffer | undefined {
  const size = containerSize(document, 0);
  if (size < 0 || size > INT32_MAX) return undefined;
  const buf = Buffer.allocUnsafe(size);
  try {
    return writeContainer(buf, 0, document) === size ? buf : undefined;
  } catch {
    // Only reachable when the second read of some member differed from the first.
    return undefined;
  }
}

// ------------------------------------------------------------------ sizing

function containerSize(container: object, depth: number): number {
  if (depth > MAX_DEPTH) return UNSUPPORTED;
  let size = 5; // int32 length + terminating NUL
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const v = valueSize(container[i], depth);
      if (v < 0) return UNSUPPORTED;
      size += 2 + indexLength(i) + v;
    }
    return size;
  }
  const doc = container as Record<string, unknown>;
  const keys = Object.keys(doc);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const value = doc[key];
    // Dropped, as js-bson does with ignoreUndefined (and JSON.stringify).
    if (value === undefined) continue;
    const k = keyLength(key);
    if (k < 0) return UNSUPPORTED;
    const v = valueSize(value, depth);
    if (v < 0) return UNSUPPORTED;
    size += 2 + k + v;
  }
  return size;
}

/** Bytes of the value part of an element (after type byte and key). */
function valueSize(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return 5 + utf8Length(value);
    case 'number':
      return isInt32(value) ? 4 : 8;
    case 'bigint':
      return 8;
    case 'boolean':
      return 1;
    case 'undefined': // an array element: js-bson writes null
      return 0;
    case 'object': {
      if (value === null) return 0;
      const v = value as { _bsontype?: unknown; toBSON?: unknown };
      if (v._bsontype != null || typeof v.toBSON === 'function') return UNSUPPORTED;
      if (value instanceof Date) return 8;
      if (value instanceof Uint8Array) return 5 + value.length;
      if (value instanceof RegExp || value instanceof Map) return UNSUPPORTED;
      return containerSize(value, depth + 1);
    }
    default:
      return UNSUPPORTED;
  }
}

/** js-bson's rule: int32 for safe integers in range, except -0. */
function isInt32(n: number): boolean {
  return (n | 0) === n && (n !== 0 || 1 / n > 0);
}

/** UTF-8 length of a key; UNSUPPORTED for a key holding NUL (js-bson refuses it, with its own message). */
function keyLength(key: string): number {
  const n = key.length;
  if (n <= SHORT) {
    let i = 0;
    for (; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c === 0) return UNSUPPORTED;
      if (c > 0x7f) break;
    }
    if (i === n) return n;
  }
  return key.includes('\0') ? UNSUPPORTED : Buffer.byteLength(key, 'utf8');
}

function utf8Length(s: string): number {
  const n = s.length;
  if (n <= SHORT) {
    let i = 0;
    while (i < n && s.charCodeAt(i) <= 0x7f) i++;
    if (i === n) return n;
  }
  return Buffer.byteLength(s, 'utf8');
}

function indexLength(i: number): number {
  return i < 10 ? 1 : i < 100 ? 2 : i < 1000 ? 3 : String(i).length;
}

// ----------------------------------------------------------------- writing

/** Writes a document or array starting at `start`; returns the offset after it. */
function writeContainer(buf: Buffer, start: number, container: object): number {
  let pos = start + 4;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const typeAt = pos;
      pos = writeIndex(buf, pos + 1, i);
      buf[pos++] = 0;
      pos = writeValue(buf, typeAt, pos, container[i]);
    }
  } else {
    const doc = container as Record<string, unknown>;
    const keys = Object.keys(doc);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = doc[key];
      if (value === undefined) continue;
      const typeAt = pos;
      pos = writeText(buf, pos + 1, key);
      buf[pos++] = 0;
      pos = writeValue(buf, typeAt, pos, value);
    }
  }
  buf[pos++] = 0;
  buf.writeInt32LE(pos - start, start);
  return pos;
}

/** Writes the type byte at `typeAt` and the value at `pos`; returns the offset after it. */
function writeValue(buf: Buffer, typeAt: number, pos: number, value: unknown): number {
  switch (typeof value) {
    case 'string': {
      buf[typeAt] = BsonType.String;
      const end = writeText(buf, pos + 4, value);
      buf.writeInt32LE(end - pos - 3, pos); // bytes + NUL
      buf[end] = 0;
      return end + 1;
    }
    case 'number':
      if (isInt32(value)) {
        buf[typeAt] = BsonType.Int32;
        return buf.writeInt32LE(value, pos);
      }
      buf[typeAt] = BsonType.Double;
      return buf.writeDoubleLE(value, pos);
    case 'bigint':
      buf[typeAt] = BsonType.Int64;
      return buf.writeBigInt64LE(value, pos);
    case 'boolean':
      buf[typeAt] = BsonType.Boolean;
      buf[pos] = value ? 1 : 0;
      return pos + 1;
    case 'object':
      if (value === null) break;
      if (value instanceof Date) {
        buf[typeAt] = BsonType.Date;
        // Two's-complement int64 of the millisecond count, as js-bson's Long.fromNumber.
        const ms = value.getTime();
        const high = Math.floor(ms / TWO_POW_32);
        buf.writeUInt32LE(ms - high * TWO_POW_32, pos);
        return buf.writeInt32LE(high, pos + 4);
      }
      if (value instanceof Uint8Array) {
        buf[typeAt] = BsonType.Binary;
        buf.writeInt32LE(value.length, pos);
        buf[pos + 4] = 0; // subtype 0, generic binary
        buf.set(value, pos + 5);
        return pos + 5 + value.length;
      }
      buf[typeAt] = Array.isArray(value) ? BsonType.Array : BsonType.Document;
      return writeContainer(buf, pos, value);
  }
  // null, or undefined as an array element
  buf[typeAt] = BsonType.Null;
  return pos;
}

/** Writes `s` as UTF-8 (no terminator); returns the offset after it. */
function writeText(buf: Buffer, pos: number, s: string): number {
  const n = s.length;
  if (n <= SHORT) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      buf[pos + i] = c;
    }
    if (i === n) return pos + n;
  }
  return pos + buf.write(s, pos, 'utf8');
}

function writeIndex(buf: Buffer, pos: number, i: number): number {
  if (i < 10) {
    buf[pos] = 0x30 + i;
    return pos + 1;
  }
  return writeText(buf, pos, String(i));
}
