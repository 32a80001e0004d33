/**
 * The BSON codec's use of js-bson: loading it, its options, and what its
 * output needs before the codec hands it on (wrapper objects turned into
 * plain values). The codec takes this path for what the direct reader and
 * writer (bson-read.ts, bson-write.ts) leave to js-bson, and a replacement
 * library's output goes through {@link normalize} too.
 *
 * js-bson is loaded on first use: a process that only speaks JSON-RPC never
 * pays its memory and start-up time, and a BsonRpc peer only once a message
 * needs it.
 */
import type { DeserializeOptions, SerializeOptions } from 'bson';
import type * as JsBson from 'bson';
import { int64Value } from './bson-read';
import { isPlainObject, toBuffer } from './codec';

let jsBsonModule: typeof JsBson | undefined;
function jsBson(): typeof JsBson {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use: see the module comment
  return (jsBsonModule ??= require('bson') as typeof JsBson);
}

const SERIALIZE_OPTIONS: SerializeOptions = { ignoreUndefined: true, checkKeys: false, serializeFunctions: false };

/** js-bson serialises into one shared buffer of this size (it only grows). */
const JS_BSON_BUFFER_SIZE = 17 * 1024 * 1024;
/** Results at least this large are checked against the computed size. */
const SUSPECT_SIZE = 16 * 1024 * 1024;

/**
 * js-bson's `serialize` writes into a shared 17 MiB buffer and, for a larger
 * document, either throws a RangeError (binary) or silently truncates a
 * string, yielding a corrupt but well-formed document. Small messages take
 * the fast path; only a failure or a result near that size pays for a size
 * calculation and, when really larger, a retry that grows the shared buffer
 * (js-bson keeps it for the life of the process).
 */
export function serializeJsBson(document: Record<string, unknown>): Buffer {
  let out: Uint8Array | undefined;
  let failure: unknown;
  try {
    out = jsBson().serialize(document, SERIALIZE_OPTIONS);
  } catch (err) {
    failure = err;
  }
  if (out === undefined || out.byteLength >= SUSPECT_SIZE) {
    const size = jsBson().calculateObjectSize(document, SERIALIZE_OPTIONS);
    if (out !== undefined && out.byteLength === size) return toBuffer(out);
    if (size <= JS_BSON_BUFFER_SIZE) throw failure ?? new Error(`BSON size mismatch: computed ${size} bytes, wrote ${out?.byteLength}`);
    jsBson().setInternalBufferSize(size);
    out = jsBson().serialize(document, SERIALIZE_OPTIONS);
    if (out.byteLength !== size) throw new Error(`BSON size mismatch: computed ${size} bytes, wrote ${out.byteLength}`);
  }
  return toBuffer(out);
}

/**
 * `promoteValues` (default) gives plain `number`s for int32 and double and
 * for int64 within ±2^53 (`promoteLongs`), `promoteBuffers` gives `Buffer`s
 * for binary of every subtype. Only an int64 beyond ±2^53 survives as a
 * `Long`, which {@link normalize} turns into `bigint`.
 */
const DESERIALIZE_OPTIONS: DeserializeOptions = { promoteValues: true, promoteLongs: true, promoteBuffers: true };

/** js-bson's decoding of one document filling `payload`, with the codec's options; still to be {@link normalize}d. */
export function deserializeJsBson(payload: Buffer): Record<string, unknown> {
  return jsBson().deserialize(payload, DESERIALIZE_OPTIONS);
}

/**
 * Replaces, in place, js-bson wrapper objects (`Long`; with a replacement
 * library also `Int32`, `Double`, `Binary`) by plain values. Only plain
 * documents and arrays are descended into; everything else js-bson returns
 * (Date, Buffer, ObjectId, …) is a leaf. A document key named `_bsontype`
 * cannot fool it, since documents are recognised by their prototype first.
 */
export function normalize(container: Record<string, unknown> | unknown[]): void {
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const v = container[i];
      if (typeof v === 'object' && v !== null) container[i] = normalizeObject(v);
    }
  } else {
    for (const key in container) {
      const v = container[key];
      if (typeof v === 'object' && v !== null) container[key] = normalizeObject(v);
    }
  }
}

function normalizeObject(v: object): unknown {
  if (Array.isArray(v)) {
    normalize(v);
    return v;
  }
  if (isPlainObject(v)) {
    normalize(v as Record<string, unknown>);
    return v;
  }
  const w = v as { _bsontype?: unknown; valueOf(): unknown; buffer?: Uint8Array; position?: number };
  switch (w._bsontype) {
    case 'Long': {
      // toString() rather than toBigInt(): works with every js-bson version.
      return int64Value(BigInt(String(w)));
    }
    case 'Int32':
    case 'Double':
      return Number(w.valueOf());
    case 'Binary':
      return w.buffer ? Buffer.from(w.buffer.buffer, w.buffer.byteOffset, w.position ?? w.buffer.byteLength) : v;
    default:
      return v;
  }
}
