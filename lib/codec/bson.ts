/**
 * The BSON codec: one BSON-RPC message ↔ one BSON document, wire-compatible
 * with Python bsonrpc 0.2.x (which uses pymongo's `bson`).
 *
 * It owns the mapping between JavaScript values and BSON types. It does not
 * frame (a BSON document delimits itself, the framing only splits the
 * stream), does not validate JSON-RPC shapes and does not touch the stream.
 *
 * Type mapping, encoding (JavaScript → BSON):
 *
 * | JavaScript | BSON |
 * |---|---|
 * | integral `number` in int32 range (and `-0`) | int32 |
 * | integral `number` outside int32, within ±2^63 | int64 (Python must see an `int`: it rejects a float id) |
 * | any other `number` (fractions, NaN, ±Infinity, integral beyond ±2^63) | double |
 * | `bigint` within int64 | int64 (outside: `EncodingError`) |
 * | `string`, `boolean`, `null` | string, boolean, null |
 * | `Date` | datetime (an invalid Date: `EncodingError`) |
 * | `Buffer`, `Uint8Array`, `ArrayBuffer` | binary subtype 0 |
 * | array, plain object, class instance (own enumerable keys), `Map` with string keys | array, document |
 * | object with `toBSON()` / `toJSON()` | whatever that returns, encoded by these rules (JSON parity) |
 * | js-bson value (`Long`, `Double`, `Int32`, `ObjectId`, `Decimal128`, …), `RegExp` | passed to js-bson as is: the caller chose the BSON type |
 * | `undefined` as an object member / array element | member dropped (as `JSON.stringify` does) / `EncodingError` (an undefined param must not arrive as null) |
 * | function, symbol, other typed arrays, cycles, top-level non-document or array | `EncodingError`; nothing is sent |
 *
 * Decoding (BSON → JavaScript):
 *
 * | BSON | JavaScript |
 * |---|---|
 * | int32, double | `number` |
 * | int64 | `number` when \|n\| ≤ 2^53 (exact), else `bigint` |
 * | datetime | `Date` |
 * | binary (any subtype) | `Buffer` (a view into the received frame, not a copy) |
 * | string, boolean, null, document, array | string, boolean, null, plain object, array |
 * | ObjectId, Decimal128, Timestamp, regex, DBRef, MinKey, MaxKey, code | js-bson's objects (`RegExp` for regex) |
 *
 * Why int64 → `number` when exact rather than always `bigint`: Python has a
 * single `int` type and pymongo picks int32 or int64 by magnitude alone, so
 * the BSON type says nothing about the user's intent. Always-`bigint` would
 * make `a + b` throw `TypeError` whenever one argument crossed 2^31 and the
 * other did not. Only values a `number` cannot hold exactly become `bigint`.
 * A request id within ±2^53 therefore arrives as a `number` whether it was
 * sent as int32, int64 or double, and matches the pending request it answers.
 *
 * Who does the byte work: messages made of the types in the first column of
 * the tables (all a BSON-RPC peer normally sends) are written by
 * bson-write.ts and read by bson-read.ts, which give js-bson's bytes and
 * values. js-bson (js-bson.ts, loaded on first need) takes js-bson values,
 * the other element types, `$` keys, very deep nesting and all malformed
 * input, so its error messages stay the ones users see.
 */
import { DecodingError, EncodingError } from '../errors';
import { readDocument } from './bson-read';
import { writeDocument } from './bson-write';
import { errorText, isPlainObject, toBuffer, type MessageCodec } from './codec';
import { deserializeJsBson, normalize, serializeJsBson } from './js-bson';

/**
 * A replacement BSON implementation (the `codec` option of `BsonRpc`), e.g.
 * another js-bson version. The value mapping above still applies: messages
 * reach `serialize` already converted (integers as `bigint`), and the
 * result of `deserialize` is normalised (`Long`, `Int32`, `Double`,
 * `Binary` wrappers become `number`/`bigint`/`Buffer`).
 */
export interface BsonCodecOverride {
  /** Serialises one document. Must accept `bigint` (int64), `Date` and `Uint8Array`. */
  serialize(document: Record<string, unknown>): Uint8Array;
  /** Deserialises exactly one document that fills the whole input. */
  deserialize(bytes: Uint8Array): Record<string, unknown>;
}

/**
 * Encodes messages as BSON documents and decodes them back, with the type
 * mapping described at the top of this module. Failures throw
 * `EncodingError` / `DecodingError`; foreign errors are kept as `cause`.
 */
export class BsonCodec implements MessageCodec {
  /** BSON-RPC messages carry `"bsonrpc": "2.0"`. */
  readonly versionKey = 'bsonrpc' as const;
  /** A BSON document cannot be a top-level array, so there are no batches. */
  readonly supportsBatches = false;
  /** A document that does not parse leaves no way to find the next one: close. */
  readonly resyncOnDecodeError = false;
  /** Binary documents have no text nesting to pre-check (js-bson limits depth itself). */
  readonly checkNesting = false;

  private readonly library: BsonCodecOverride | undefined;

  /** @param library - a replacement BSON implementation; default: the bundled js-bson. */
  constructor(library?: BsonCodecOverride) {
    this.library = library;
  }

  /** Encodes one message (a document, never an array). Throws `EncodingError`. */
  encode(message: unknown): Buffer {
    if (Array.isArray(message)) throw new EncodingError('cannot encode message as BSON: BSON-RPC has no batches (a top-level array)');
    if (!isDocument(message)) throw notADocument(message);
    let document: unknown;
    try {
      document = prepare(message, []);
    } catch (err) {
      if (err instanceof Unencodable) {
        const where = err.path.length ? ` at ${formatPath(err.path)}` : '';
        throw new EncodingError(`cannot encode message as BSON: ${err.message}${where}`);
      }
      throw new EncodingError(`cannot encode message as BSON: ${errorText(err)}`, { cause: err });
    }
    // What a top-level toJSON() returned need not be a document either.
    if (!isDocument(document)) throw notADocument(document);
    try {
      if (this.library) return toBuffer(this.library.serialize(document));
      return writeDocument(document) ?? serializeJsBson(document);
    } catch (err) {
      throw new EncodingError(`cannot encode message as BSON: ${errorText(err)}`, { cause: err });
    }
  }

  /** Decodes one BSON document filling the whole payload. Throws `DecodingError`. */
  decode(input: Uint8Array | string): Record<string, unknown> {
    if (typeof input === 'string') throw new DecodingError('invalid BSON document: a text message cannot carry BSON');
    const payload = toBuffer(input);
    if (!this.library) {
      const fast = readDocument(payload);
      if (fast !== undefined) return fast;
    }
    let document: Record<string, unknown>;
    try {
      document = this.library ? this.library.deserialize(payload) : deserializeJsBson(payload);
      normalize(document);
    } catch (err) {
      throw new DecodingError(`invalid BSON document: ${errorText(err)}`, { cause: err });
    }
    return document;
  }
}

// ---------------------------------------------------------------- encoding

const [INT32_MIN, INT32_MAX, TWO_POW_63] = [-0x8000_0000, 0x7fff_ffff, 2 ** 63];
const [INT64_MIN, INT64_MAX] = [-(1n << 63n), (1n << 63n) - 1n];

/** A value BSON cannot carry; `path` is filled in while unwinding. */
class Unencodable extends Error {
  readonly path: Array<string | number> = [];
}

/**
 * Returns the BSON-ready form of `value`: the same reference when nothing
 * needs converting (the common case, so no deep copy is made), otherwise a
 * converted copy of just the containers on the way to the change. Returns
 * `undefined` for "leave out", which js-bson (with `ignoreUndefined`) drops
 * from documents and writes as null in arrays, exactly as JSON does.
 * `stack` holds the containers being walked, to refuse cycles.
 */
function prepare(value: unknown, stack: object[]): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      return prepareNumber(value);
    case 'bigint':
      // js-bson would wrap an out-of-range bigint modulo 2^64 without a word.
      if (value < INT64_MIN || value > INT64_MAX) throw new Unencodable(`bigint ${value} is outside the int64 range`);
      return value;
    case 'object':
      return value === null ? null : prepareObject(value, stack);
    default:
      throw new Unencodable(`a ${typeof value} has no BSON form`);
  }
}

/**
 * js-bson writes int32-range integers as int32 and every other number as a
 * double, but Python decodes a double as `float`. Integral numbers beyond
 * int32 therefore go as int64 (`bigint`). `-0` goes as int32 0, as JSON
 * sends it, rather than the double js-bson would pick.
 */
function prepareNumber(n: number): number | bigint {
  if (n > INT32_MAX || n < INT32_MIN) {
    return Number.isInteger(n) && n >= -TWO_POW_63 && n < TWO_POW_63 ? BigInt(n) : n;
  }
  return n === 0 ? 0 : n;
}

// Ordered by how often each kind occurs in messages; a `_bsontype` or
// `toJSON` check must come after Date/Uint8Array, which have `toJSON` too.
function prepareObject(obj: object, stack: object[]): unknown {
  if (Array.isArray(obj)) return prepareArray(obj, stack);
  if (obj instanceof Date) {
    if (Number.isNaN(obj.getTime())) throw new Unencodable('an invalid Date has no BSON form');
    return obj;
  }
  if (obj instanceof Uint8Array) return obj;
  const custom = obj as { _bsontype?: unknown; toBSON?: unknown; toJSON?: unknown };
  if (typeof custom._bsontype === 'string') {
    if (!isPlainObject(obj)) return obj;
    // Data (e.g. echoed from Python) with a "_bsontype" key: js-bson would
    // take it for one of its own values and refuse it, but reads a Map's
    // entries without that check.
    return new Map(Object.entries(prepareDocument(obj as Record<string, unknown>, stack)));
  }
  if (obj instanceof RegExp) return obj;
  if (typeof custom.toBSON === 'function') return prepareReplacement(obj, (custom.toBSON as () => unknown).call(obj), stack);
  if (typeof custom.toJSON === 'function') return prepareReplacement(obj, (custom.toJSON as (k: string) => unknown).call(obj, ''), stack);
  if (obj instanceof ArrayBuffer) return Buffer.from(obj);
  if (ArrayBuffer.isView(obj)) {
    throw new Unencodable(`a ${obj.constructor.name} has no BSON form (send a Buffer or Uint8Array of its bytes)`);
  }
  if (obj instanceof Map) return prepareMap(obj, stack);
  return prepareDocument(obj as Record<string, unknown>, stack);
}

/** Encodes what `toBSON()`/`toJSON()` returned; one returning itself is walked as a document. */
function prepareReplacement(obj: object, replacement: unknown, stack: object[]): unknown {
  if (replacement === obj) return prepareDocument(obj as Record<string, unknown>, stack);
  enter(obj, stack);
  const out = prepare(replacement, stack);
  stack.pop();
  // Never `obj` itself, so the parent copies itself and js-bson does not
  // call the original's `toBSON()` a second time.
  return out;
}

function prepareArray(arr: unknown[], stack: object[]): unknown[] {
  enter(arr, stack);
  let copy: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    // Python has no undefined, and a silent null would change what the
    // handler is called with (an undefined param is not a null one).
    if (v === undefined) throw at(new Unencodable('undefined has no BSON form in an array'), i);
    let p: unknown;
    try {
      p = prepare(v, stack);
    } catch (err) {
      throw at(err, i);
    }
    // Object.is, not ===: -0 → 0 and NaN must compare as intended.
    if (copy === undefined) {
      if (Object.is(p, v)) continue;
      copy = arr.slice(0, i);
    }
    copy.push(p);
  }
  stack.pop();
  return copy ?? arr;
}

function prepareDocument(obj: Record<string, unknown>, stack: object[]): Record<string, unknown> {
  enter(obj, stack);
  const keys = Object.keys(obj);
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const v = obj[key];
    let p: unknown;
    try {
      p = prepare(v, stack);
    } catch (err) {
      throw at(err, key);
    }
    if (copy === undefined) {
      if (Object.is(p, v)) continue;
      copy = {};
      for (let j = 0; j < i; j++) setMember(copy, keys[j], obj[keys[j]]);
    }
    setMember(copy, key, p);
  }
  stack.pop();
  return copy ?? obj;
}

function prepareMap(map: Map<unknown, unknown>, stack: object[]): Record<string, unknown> {
  for (const key of map.keys()) {
    if (typeof key !== 'string') throw new Unencodable(`a Map key must be a string, not ${kindOf(key)}`);
  }
  enter(map, stack);
  // fromEntries defines members, so a "__proto__" key stays a member.
  const document = prepareDocument(Object.fromEntries(map) as Record<string, unknown>, stack);
  stack.pop();
  return document;
}

/**
 * Copies are ordinary `{}` objects (a prototype-less one would be a slow
 * dictionary object for js-bson); a `"__proto__"` key must then be defined,
 * not assigned, to stay an ordinary member.
 */
function setMember(doc: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(doc, key, { value, enumerable: true, writable: true, configurable: true });
  else doc[key] = value;
}

function enter(container: object, stack: object[]): void {
  if (stack.includes(container)) throw new Unencodable('a circular reference has no BSON form');
  stack.push(container);
}

function at(err: unknown, key: string | number): unknown {
  if (err instanceof Unencodable) err.path.unshift(key);
  return err;
}

function formatPath(path: Array<string | number>): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${out ? '.' : ''}${key}` : `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** What js-bson accepts as a top-level document (arrays are refused earlier). */
function isDocument(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || value instanceof Date || value instanceof Uint8Array || value instanceof RegExp) return false;
  return typeof (value as { _bsontype?: unknown })._bsontype !== 'string' || isPlainObject(value);
}

function notADocument(value: unknown): EncodingError {
  return new EncodingError(`cannot encode message as BSON: a message must be a document, not ${kindOf(value)}`);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'undefined' : `a ${t}`;
}
