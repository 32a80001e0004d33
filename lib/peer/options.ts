/**
 * Options of a peer, with their defaults in one place.
 */
import type { Logger } from 'pino';
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
}

/** 16 MiB, the default `maxMessageSize`. */
export const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

/** Applies defaults and rejects nonsense early, with the option's name in the message. @internal */
export function resolveOptions(o: PeerOptions): ResolvedOptions {
  if (o.timeout !== undefined && !(typeof o.timeout === 'number' && o.timeout >= 0)) {
    throw new TypeError(`option timeout must be a non-negative number of ms, got ${String(o.timeout)}`);
  }
  const maxMessageSize = o.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
  if (!(Number.isInteger(maxMessageSize) && maxMessageSize > 0)) {
    throw new TypeError(`option maxMessageSize must be a positive integer, got ${String(o.maxMessageSize)}`);
  }
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
  };
}
