/**
 * JSON-RPC 2.0 message shapes, the classifier that validates an incoming
 * value, and the builders for outgoing messages.
 *
 * The version key is a parameter because BSON-RPC uses `"bsonrpc"` where
 * JSON-RPC uses `"jsonrpc"`; everything else is identical.
 */
import { isPlainObject } from '../codec/codec';
import { DEADLINE_MEMBER } from './deadline';

/** A request id this library sends or accepts. */
export type RequestId = string | number;

/** Positional (array) or named (object) parameters. */
export type Params = unknown[] | Record<string, unknown>;

/** The JSON-RPC error object. */
export interface WireError {
  code: number;
  message: string;
  data?: unknown;
}

/** An incoming value, validated and sorted into what the router does with it. */
export type Incoming =
  /** `budget`: the raw `"timeout"` member (DEADLINE_MEMBER) (the caller's deadline, see deadline.ts), not yet validated. */
  | { kind: 'request'; method: string; params: Params | undefined; id: RequestId | null; budget: unknown }
  | { kind: 'notification'; method: string; params: Params | undefined }
  | { kind: 'response'; id: RequestId | null; result: unknown }
  | { kind: 'error-response'; id: RequestId | null; error: unknown }
  /** Not a valid request: answer -32600 with `id` (null when it could not be read). */
  | { kind: 'invalid'; id: RequestId | null; reason: string }
  /** A malformed response: never answered (two peers must not ping-pong errors), only logged. */
  | { kind: 'bad-response'; reason: string };

/**
 * Reads an id. Integers of any wire type (a BSON int32, int64 as bigint, or
 * an integral double) become a number so they match the pending request.
 * Returns `undefined` for an id of the wrong type (object, array, boolean,
 * fractional or unsafe number).
 */
export function readId(id: unknown): RequestId | null | undefined {
  if (typeof id === 'number') return Number.isSafeInteger(id) ? id : undefined;
  if (typeof id === 'string' || id === null) return id;
  if (typeof id === 'bigint') return id >= Number.MIN_SAFE_INTEGER && id <= Number.MAX_SAFE_INTEGER ? Number(id) : undefined;
  return undefined;
}

/** True for a valid `params` value: an array or a plain object. */
export function isParams(p: unknown): p is Params {
  return typeof p === 'object' && p !== null && (Array.isArray(p) || isPlainObject(p));
}

/** Validates one message (not a batch) exactly as JSON-RPC 2.0 specifies. */
export function classify(value: unknown, versionKey: string): Incoming {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', id: null, reason: 'message is not an object' };
  }
  const m = value as Record<string, unknown>;
  const hasId = m.id !== undefined;
  const id = readId(m.id);
  if (m.method === undefined && ('result' in m || m.error !== undefined)) {
    if (m[versionKey] !== '2.0') return { kind: 'bad-response', reason: `response without "${versionKey}": "2.0"` };
    if (id === undefined) return { kind: 'bad-response', reason: 'response with an id of the wrong type' };
    if ('result' in m && m.error !== undefined) return { kind: 'bad-response', reason: 'response with both result and error' };
    return m.error !== undefined ? { kind: 'error-response', id, error: m.error } : { kind: 'response', id, result: m.result };
  }
  if (hasId && id === undefined) return { kind: 'invalid', id: null, reason: 'id of the wrong type' };
  const replyId = hasId ? (id as RequestId | null) : null;
  if (m[versionKey] !== '2.0') return { kind: 'invalid', id: replyId, reason: `"${versionKey}" is not "2.0"` };
  if (typeof m.method !== 'string') return { kind: 'invalid', id: replyId, reason: 'method is not a string' };
  if (m.params !== undefined && !isParams(m.params)) {
    return { kind: 'invalid', id: replyId, reason: 'params is neither an array nor an object' };
  }
  const params = m.params as Params | undefined;
  return hasId ? { kind: 'request', method: m.method, params, id: replyId, budget: m[DEADLINE_MEMBER] } : { kind: 'notification', method: m.method, params };
}

// The builders use literal keys per version key: object literals with a
// computed key take a slower creation path in V8, and these run per message.

/** Builds a request (with `id`) or a notification (`id` undefined); `params` undefined omits the member. */
export function buildCall(versionKey: string, method: string, params: Params | undefined, id?: RequestId): Record<string, unknown> {
  const msg: Record<string, unknown> = versionKey === 'jsonrpc' ? { jsonrpc: '2.0', method } : { bsonrpc: '2.0', method };
  if (params !== undefined) msg.params = params;
  if (id !== undefined) msg.id = id;
  return msg;
}

/** Builds a success response. `undefined` results go as `null`: the member is required. */
export function buildResult(versionKey: string, id: RequestId | null, result: unknown): Record<string, unknown> {
  const r = result === undefined ? null : result;
  return versionKey === 'jsonrpc' ? { jsonrpc: '2.0', result: r, id } : { bsonrpc: '2.0', result: r, id };
}

/** Builds an error response. */
export function buildError(versionKey: string, id: RequestId | null, error: WireError): Record<string, unknown> {
  return versionKey === 'jsonrpc' ? { jsonrpc: '2.0', error, id } : { bsonrpc: '2.0', error, id };
}
