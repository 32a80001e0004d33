/**
 * Options of a peer, with their defaults in one place.
 */
import type { RpcLogger as Logger } from '../logger';
import type { BsonCodecOverride } from '../codec/bson';
import type { JsonCodecOverride } from '../codec/json';
import type { Framing } from '../framing/framing';
import type { RequestId } from '../protocol/messages';
import type { DiscoverOptions } from '../service/openrpc';

export type { BsonCodecOverride, JsonCodecOverride };

/** What a call with no arguments sends as `params`. */
export type NoArgumentsPresentation = 'omit' | 'emptyArray' | 'emptyObject';

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
  /**
   * `true` (default): when a call's `timeout` passes or its `signal` aborts,
   * besides rejecting at once, tell the other side with the notification
   * `$/cancelRequest { id }` (LSP's form), so its handler can stop. A peer
   * that does not know it drops it. `false` sends nothing.
   */
  sendCancel?: boolean;
  /**
   * `true`: a request with a timeout (its own, the peer's `timeout` option,
   * or what is left of the deadline of the handler that makes it) carries
   * that budget as the extra member `"timeout": <ms>`, so a bsonrpc peer
   * cancels the handler when the caller's deadline passes even if the
   * `$/cancelRequest` is lost. Peers that do not know the member ignore it.
   * Default `false`. Receiving such a budget needs no option: it is always
   * honoured.
   */
  sendDeadline?: boolean;
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
   * Requests (and, separately, notifications) that may wait for a handler
   * slot. A request past it is answered at once with -32005
   * `ServerOverloaded` and does not run. Notifications past it pause reading
   * until half have run, but only while this side awaits no answer (a pause
   * must never hold back a response); otherwise the connection closes with
   * a logged reason. Responses never wait here. Default 10000, so that a
   * default peer on the other side (`maxPendingRequests` 10000) is always
   * served.
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
  /**
   * Answer `rpc.discover` with an OpenRPC document of the services
   * (docs/introspection.md); an object sets its title, version and JSON
   * Schema converter. Default `false`: `rpc.discover` is -32601.
   */
  discover?: boolean | DiscoverOptions;
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

/**
 * Options with every default applied, without those that differ from one
 * connection to the next (`connectionId`, `clientInfo`: the peer keeps
 * those), so that the connections of one server share one object. @internal
 */
export type ResolvedOptions = Required<Omit<PeerOptions, 'timeout' | 'idGenerator' | 'logger' | 'clientInfo' | 'discover' | 'connectionId'>> &
  Pick<PeerOptions, 'timeout' | 'idGenerator'> & { discover: DiscoverOptions | undefined };

/** 16 MiB, the default `maxMessageSize`. */
export const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

/** The defaults of the limits, in one place (docs/production.md lists them). */
export const DEFAULT_LIMITS = {
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  maxBatchLength: 1000,
  maxNestingDepth: 128,
  maxConcurrentRequests: 128,
  maxQueuedMessages: 10000,
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

/** The limit `name` as given (checked), else its default. */
function limit(o: PeerOptions, name: keyof typeof DEFAULT_LIMITS): number {
  return (o as Record<string, unknown>)[name] === undefined ? DEFAULT_LIMITS[name] : positiveInt(o, name, name === 'partialFrameTimeout');
}

/** Options a peer reads itself rather than from its resolved options. */
const NOT_RESOLVED: ReadonlySet<string> = new Set(['framing', 'codec', 'logger', 'connectionId', 'clientInfo']);

/** The resolved defaults, shared by every peer made with no options that matter here. */
let defaults: ResolvedOptions | undefined;
/** The last other options resolved, and the result: a server's peers differ only in what is not resolved. */
let lastInput: PeerOptions | undefined;
let lastResolved: ResolvedOptions | undefined;

/** True when `a` and `b` agree on every option that is resolved. */
function sameSettings(a: PeerOptions, b: PeerOptions): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key in x) if (x[key] !== y[key] && !NOT_RESOLVED.has(key)) return false;
  for (const key in y) if (x[key] !== y[key] && !NOT_RESOLVED.has(key)) return false;
  return true;
}

/**
 * Applies defaults and rejects nonsense early, with the option's name in
 * the message. The result is frozen and shared: by every peer given only
 * defaults, and by consecutive peers given the same settings (a server's
 * connections), so a connection holds no options object of its own.
 * @internal
 */
export function resolveOptions(o: PeerOptions): ResolvedOptions {
  let plain = true;
  for (const key in o) {
    if ((o as Record<string, unknown>)[key] !== undefined && !NOT_RESOLVED.has(key)) {
      plain = false;
      break;
    }
  }
  if (plain) return (defaults ??= Object.freeze(resolve({})));
  if (lastInput === undefined || !sameSettings(lastInput, o)) {
    lastResolved = Object.freeze(resolve(o));
    // A copy (the caller may change its object later) of only what is compared: the last
    // peer's logger and clientInfo must not be kept alive by this cache.
    const copy: Record<string, unknown> = {};
    for (const key in o) if (!NOT_RESOLVED.has(key)) copy[key] = (o as Record<string, unknown>)[key];
    lastInput = copy as PeerOptions;
  }
  return lastResolved as ResolvedOptions;
}

function resolve(o: PeerOptions): ResolvedOptions {
  if (o.timeout !== undefined && !(typeof o.timeout === 'number' && o.timeout >= 0)) {
    throw new TypeError(`option timeout must be a non-negative number of ms, got ${String(o.timeout)}`);
  }
  const nap = o.noArgumentsPresentation ?? 'omit';
  if (nap !== 'omit' && nap !== 'emptyArray' && nap !== 'emptyObject') {
    throw new TypeError(`option noArgumentsPresentation must be 'omit', 'emptyArray' or 'emptyObject', got ${String(nap)}`);
  }
  const discover = o.discover;
  if (discover !== undefined && typeof discover !== 'boolean' && (typeof discover !== 'object' || discover === null)) {
    throw new TypeError(`option discover must be a boolean or an object ({ title?, version?, jsonSchema? }), got ${String(discover)}`);
  }
  // Every field is written out in one literal (no spread of the limits): a
  // spread into a literal with more fields gave each peer's options a
  // hidden class of its own, with a 17-entry descriptor array: ~560 bytes
  // per connection (scripts/idle-probe.ts). Only limits given are checked:
  // a connection made with default options pays for no validation.
  return {
    maxMessageSize: limit(o, 'maxMessageSize'),
    maxBatchLength: limit(o, 'maxBatchLength'),
    maxNestingDepth: limit(o, 'maxNestingDepth'),
    maxConcurrentRequests: limit(o, 'maxConcurrentRequests'),
    maxQueuedMessages: limit(o, 'maxQueuedMessages'),
    maxPendingRequests: limit(o, 'maxPendingRequests'),
    partialFrameTimeout: limit(o, 'partialFrameTimeout'),
    maxWriteBuffer: limit(o, 'maxWriteBuffer'),
    timeout: o.timeout || undefined,
    idGenerator: o.idGenerator,
    noArgumentsPresentation: nap,
    concurrentRequestHandling: o.concurrentRequestHandling ?? true,
    concurrentNotificationHandling: o.concurrentNotificationHandling ?? false,
    sendCancel: o.sendCancel ?? true,
    sendDeadline: o.sendDeadline === true,
    discover: discover === true ? {} : discover || undefined,
  };
}
