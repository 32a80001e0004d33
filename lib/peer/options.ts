/**
 * Options of a peer, with their defaults in one place.
 */
import type { RpcLogger as Logger } from '../logger';
import type { Framing } from '../framing/framing';
import type { RequestId } from '../protocol/messages';

/** What a call with no arguments sends as `params`. */
export type NoArgumentsPresentation = 'omit' | 'emptyArray' | 'emptyObject';

/** A replacement JSON implementation for the `codec` option of `JsonRpc`. */
export interface JsonCodecOverride {
  parse(text: string): unknown;
  stringify(value: unknown): string;
}

/** A replacement BSON implementation for the `codec` option of `BsonRpc`. */
export interface BsonCodecOverride {
  serialize(doc: Record<string, unknown>): Uint8Array;
  deserialize(bytes: Uint8Array): Record<string, unknown>;
}

/** Options every peer takes. */
export interface PeerOptions {
  /** ms to wait for each response; none by default (a call then waits until the connection closes). */
  timeout?: number;
  /** Returns a fresh string or integer id for each request. Default: 1, 2, 3, … per connection. */
  idGenerator?: () => RequestId;
  /** What a call with no arguments sends as params. Default `'omit'`. */
  noArgumentsPresentation?: NoArgumentsPresentation;
  /** `true` (default): incoming requests run interleaved. `false`: one at a time, in arrival order. */
  concurrentRequestHandling?: boolean;
  /** Same for notifications. Default `false`: one at a time, in arrival order. */
  concurrentNotificationHandling?: boolean;
  /** Largest incoming frame in bytes; a larger one is a `FramingError` and closes the connection. Default 16 MiB. */
  maxMessageSize?: number;
  /** A label carried by every log line of this connection. Default `''`. */
  connectionId?: string;
  /** A pino logger; each connection logs through `logger.child({ connectionId })`. Default: pino to stderr, level `BSONRPC_LOG_LEVEL` or `warn`. */
  logger?: Logger;
  /** Anything; shown to handlers as `rpc.clientInfo`. */
  clientInfo?: unknown;
  /** Most requests in one JSON-RPC batch; a longer batch is answered with one -32600. Default 1000. */
  maxBatchLength?: number;
  /** Deepest nesting of arrays/objects in one JSON message; deeper is refused before parsing (-32700). Default 128. */
  maxNestingDepth?: number;
  /**
   * Request handlers running at once on this connection (with
   * `concurrentRequestHandling`). Further requests wait, in order, until one
   * finishes. Default 128.
   */
  maxConcurrentRequests?: number;
  /**
   * Requests and notifications that may wait for a handler slot. Past it the
   * peer stops reading the stream (TCP back-pressure) until the queue is
   * half empty. Default 1024.
   */
  maxQueuedMessages?: number;
  /** Own requests awaiting answers; the next call rejects at once with `TooManyPendingRequests`. Default 10000. */
  maxPendingRequests?: number;
  /** ms a frame may take from its first byte to its last; past it the connection closes. 0 disables. Default 30000. */
  partialFrameTimeout?: number;
  /**
   * Bytes this side may have queued for a peer that does not read; past it
   * the connection closes ("peer is not reading"). Measured as the stream
   * counts its queue (`writableLength`): text frames are queued as strings,
   * so for them it counts UTF-16 units, which for non-ASCII text may be up
   * to 3 bytes each. Default 64 MiB.
   */
  maxWriteBuffer?: number;
}

/** Options of a `JsonRpc` peer. */
export interface JsonRpcOptions extends PeerOptions {
  /** How messages are delimited. Default `'rfc7464'`. */
  framing?: 'rfc7464' | 'netstring' | 'frameless' | 'ndjson' | 'content-length' | Framing;
  /** A replacement for the built-in `JSON.parse` / `JSON.stringify`. */
  codec?: JsonCodecOverride;
}

/** Options of a `BsonRpc` peer. */
export interface BsonRpcOptions extends PeerOptions {
  /** A replacement for the built-in `bson` serialize / deserialize. */
  codec?: BsonCodecOverride;
}

/** Options with every default applied. @internal */
export interface ResolvedOptions {
  timeout: number | undefined;
  idGenerator: (() => RequestId) | undefined;
  noArgumentsPresentation: NoArgumentsPresentation;
  concurrentRequestHandling: boolean;
  concurrentNotificationHandling: boolean;
  maxMessageSize: number;
  connectionId: string;
  clientInfo: unknown;
  maxBatchLength: number;
  maxNestingDepth: number;
  maxConcurrentRequests: number;
  maxQueuedMessages: number;
  maxPendingRequests: number;
  partialFrameTimeout: number;
  maxWriteBuffer: number;
}

/** 16 MiB, the default `maxMessageSize`. */
export const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

/** The defaults of the limits, in one place (docs/production.md lists them). */
export const DEFAULT_LIMITS = {
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  maxBatchLength: 1000,
  maxNestingDepth: 128,
  maxConcurrentRequests: 128,
  maxQueuedMessages: 1024,
  maxPendingRequests: 10000,
  partialFrameTimeout: 30000,
  maxWriteBuffer: 64 * 1024 * 1024,
} as const;

function positiveInt(o: PeerOptions, name: keyof typeof DEFAULT_LIMITS, allowZero = false): number {
  const value = (o as Record<string, unknown>)[name] ?? DEFAULT_LIMITS[name];
  if (!(Number.isInteger(value) && ((value as number) > 0 || (allowZero && value === 0)))) {
    throw new TypeError(`option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}`);
  }
  return value as number;
}

/** Applies defaults and rejects nonsense early, with the option's name in the message. @internal */
export function resolveOptions(o: PeerOptions): ResolvedOptions {
  if (o.timeout !== undefined && !(typeof o.timeout === 'number' && o.timeout >= 0)) {
    throw new TypeError(`option timeout must be a non-negative number of ms, got ${String(o.timeout)}`);
  }
  const maxMessageSize = positiveInt(o, 'maxMessageSize');
  const nap = o.noArgumentsPresentation ?? 'omit';
  if (nap !== 'omit' && nap !== 'emptyArray' && nap !== 'emptyObject') {
    throw new TypeError(`option noArgumentsPresentation must be 'omit', 'emptyArray' or 'emptyObject', got ${String(nap)}`);
  }
  return {
    timeout: o.timeout || undefined,
    idGenerator: o.idGenerator,
    noArgumentsPresentation: nap,
    concurrentRequestHandling: o.concurrentRequestHandling ?? true,
    concurrentNotificationHandling: o.concurrentNotificationHandling ?? false,
    maxMessageSize,
    connectionId: o.connectionId ?? '',
    clientInfo: o.clientInfo,
    maxBatchLength: positiveInt(o, 'maxBatchLength'),
    maxNestingDepth: positiveInt(o, 'maxNestingDepth'),
    maxConcurrentRequests: positiveInt(o, 'maxConcurrentRequests'),
    maxQueuedMessages: positiveInt(o, 'maxQueuedMessages'),
    maxPendingRequests: positiveInt(o, 'maxPendingRequests'),
    partialFrameTimeout: positiveInt(o, 'partialFrameTimeout', true),
    maxWriteBuffer: positiveInt(o, 'maxWriteBuffer'),
  };
}
