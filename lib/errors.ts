/**
 * The error tree of bsonrpc. Every error this library raises is an
 * `RpcError`; errors that came from the other side of the wire are
 * `PeerError`s carrying the JSON-RPC `code`, `message` and `data`.
 *
 * The JSON-RPC codes live in one table ({@link ErrorCodes}) and the wire →
 * class promotion in one function ({@link PeerError.fromWire}), as Python
 * bsonrpc does with its exception classes.
 */

/** The error codes defined by the JSON-RPC 2.0 specification (plus -32000). */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  ServerError: -32000,
  /** Implementation-defined: the peer's request queue is full; nothing ran, retry later. */
  ServerOverloaded: -32005,
  /** LSP's code: the caller cancelled the request (`$/cancelRequest`). */
  RequestCancelled: -32800,
} as const;

/** The standard message the specification gives each code. */
const standardMessages: Record<number, string> = {
  [-32700]: 'Parse error',
  [-32600]: 'Invalid Request',
  [-32601]: 'Method not found',
  [-32602]: 'Invalid params',
  [-32603]: 'Internal error',
  [-32000]: 'Server error',
  [-32005]: 'Server overloaded',
  [-32800]: 'Request cancelled',
};

const BRAND = Symbol.for('bsonrpc.RpcError');

/**
 * Root of every error bsonrpc raises. `instanceof RpcError` works across
 * copies of the library too (a brand symbol is checked, as js-bson does).
 */
export class RpcError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
  /** @internal brand for cross-realm instanceof */
  get [BRAND](): true {
    return true;
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === RpcError) return isBranded(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  /**
   * True when `value` is an error of this class or a subclass, also when it
   * was made by another copy of bsonrpc in the same process (two versions
   * in one dependency tree), where `instanceof` fails: `PeerError.is(e)`,
   * `MethodNotFound.is(e)`. Classes are recognised by name along the
   * prototype chain, behind the library's brand (js-bson's `isBSONError`).
   */
  static is(value: unknown): boolean {
    if (!isBranded(value)) return false;
    if (this === RpcError) return true;
    for (let proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null; proto; proto = Object.getPrototypeOf(proto)) {
      if (proto.constructor?.name === this.name) return true;
    }
    return false;
  }
}

function isBranded(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Something went wrong turning bytes into messages or back. */
export class CodecError extends RpcError {}

/**
 * The byte stream could not be split into frames: a bad length prefix or
 * header, a frame larger than `maxMessageSize`, or garbage a framing cannot
 * resynchronise after. The connection is closed.
 */
export class FramingError extends CodecError {}

/** A value could not be encoded for the wire (nothing was sent). */
export class EncodingError extends CodecError {}

/** A frame's payload could not be decoded into a message. */
export class DecodingError extends CodecError {}

/** No response arrived within the request's timeout. */
export class ResponseTimeout extends RpcError {
  constructor(
    /** The method that was called. */
    readonly method: string,
    /** The timeout that elapsed, in ms. */
    readonly timeoutMs: number,
    connectionId = '',
  ) {
    super(`request "${method}" timed out after ${timeoutMs} ms${connSuffix(connectionId)}`);
  }
}

/**
 * A call was refused before sending because `maxPendingRequests` own
 * requests already await answers. Nothing was sent; retry later.
 */
export class TooManyPendingRequests extends RpcError {
  constructor(
    /** The method that was not called. */
    readonly method: string,
    /** The limit in force. */
    readonly limit: number,
    connectionId = '',
  ) {
    super(`request "${method}" refused: ${limit} requests already await answers${connSuffix(connectionId)}`);
  }
}

/** The connection closed before a response arrived, or was already closed. */
export class ConnectionClosedError extends RpcError {
  constructor(message = 'connection closed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * An error response from the peer, or an error a handler throws to send one.
 * Throw a `PeerError` (or a subclass) from a handler to choose the `code`,
 * `message` and `data` the caller receives.
 */
export class PeerError extends RpcError {
  /** The JSON-RPC error code. */
  readonly code: number;
  /** The optional `data` member of the error object. */
  readonly data: unknown;

  constructor(code: number, message?: string, data?: unknown) {
    super(message ?? standardMessages[code] ?? `Error ${code}`);
    this.code = code;
    this.data = data;
  }

  /** The JSON-RPC error object for this error (`data` only when defined). */
  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  /**
   * Promotes a wire error object to the class matching its code (the one
   * place where codes become classes). A malformed object becomes an
   * `UnspecifiedPeerError` rather than throwing.
   */
  static fromWire(error: unknown): PeerError {
    const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
    const code = typeof e.code === 'number' ? e.code : typeof e.code === 'bigint' ? Number(e.code) : NaN;
    const message = typeof e.message === 'string' ? e.message : undefined;
    const Cls = classByCode.get(code);
    if (Cls) return new Cls(message, e.data);
    return new UnspecifiedPeerError(Number.isFinite(code) ? code : 0, message ?? String(e.message ?? 'Unknown error'), e.data);
  }
}

/** -32700: the peer could not parse what was sent. */
export class ParseError extends PeerError {
  constructor(message?: string, data?: unknown) {
    super(ErrorCodes.ParseError, message, data);
  }
}
/** -32600: the message was not a valid request object. */
export class InvalidRequest extends PeerError {
  constructor(message?: string, data?: unknown) {
    super(ErrorCodes.InvalidRequest, message, data);
  }
}
/** -32601: no request handler by that wire name. */
export class MethodNotFound extends PeerError {
  constructor(message?: string, data?: unknown) {
    super(ErrorCodes.MethodNotFound, message, data);
  }
}
/** -32602: wrong arity, a missing or an unknown named parameter, or a handler's own rejection of its arguments. */
export class InvalidParams extends PeerError {
  constructor(message?: string, data?: unknown) {
    super(ErrorCodes.InvalidParams, message, data);
  }
}
/** -32603: the peer failed internally. */
export class InternalError extends PeerError {
  constructor(message?: string, data?: unknown) {
    super(ErrorCodes.InternalError, message, data);
  }
}
/**
 * -32000: a handler threw something that is not a `PeerError`. As in Python
 * bsonrpc the wire message is `"Server error"` and `data` holds the thrown
 * error's message (never its stack).
 */
export class ServerError extends PeerError {
  constructor(message?: string, data?: unknown) {
    super(ErrorCodes.ServerError, message, data);
  }
}
/**
 * -32005: the peer's queue of requests waiting for a handler slot was full
 * (`maxQueuedMessages`), so this request was answered at once without
 * running. Nothing happened on the other side; retry later or call less
 * at a time.
 */
export class ServerOverloaded extends PeerError {
  constructor(message?: string, data?: unknown) {
    super(ErrorCodes.ServerOverloaded, message, data);
  }
}
/**
 * -32800 (LSP's `RequestCancelled`): the caller sent `$/cancelRequest` for
 * this request, so it was answered at once and the handler's result, if any
 * comes, is dropped. A handler's `signal` aborts with one of these as its
 * reason.
 */
export class RequestCancelled extends PeerError {
  constructor(message?: string, data?: unknown) {
    super(ErrorCodes.RequestCancelled, message, data);
  }
}
/** Any error code that has no class of its own. */
export class UnspecifiedPeerError extends PeerError {}

const classByCode = new Map<number, new (message?: string, data?: unknown) => PeerError>([
  [ErrorCodes.ParseError, ParseError],
  [ErrorCodes.InvalidRequest, InvalidRequest],
  [ErrorCodes.MethodNotFound, MethodNotFound],
  [ErrorCodes.InvalidParams, InvalidParams],
  [ErrorCodes.InternalError, InternalError],
  [ErrorCodes.ServerError, ServerError],
  [ErrorCodes.ServerOverloaded, ServerOverloaded],
  [ErrorCodes.RequestCancelled, RequestCancelled],
]);

/** `" (conn x)"`, or nothing for an unnamed connection. @internal */
export function connSuffix(connectionId: string): string {
  return connectionId ? ` (conn ${connectionId})` : '';
}

/**
 * Turns whatever a handler threw into the wire error object: the single
 * place that decides what a caller learns about a failure. `PeerError`s keep
 * their code, message and data; anything else becomes -32000 with the
 * error's message as `data` (Python bsonrpc's shape). Stacks never leave.
 */
export function toWireError(thrown: unknown): { code: number; message: string; data?: unknown } {
  // Whatever was thrown may have hostile getters: reading it must not throw again.
  let text: string;
  try {
    if (thrown instanceof PeerError) return thrown.toJSON();
    if (thrown instanceof Error) text = String(thrown.message);
    else if (typeof thrown === 'string') text = thrown;
    else text = String(thrown);
  } catch {
    text = 'unprintable thrown value';
  }
  return { code: ErrorCodes.ServerError, message: standardMessages[ErrorCodes.ServerError], data: text };
}

/**
 * `connect` (or `spawnPeer`) could not open a connection: refused,
 * unreachable, a failed TLS handshake, or nothing within `connectTimeout`.
 * The message names the URL; `code` is the system error code when there is
 * one (`ECONNREFUSED`, `ENOENT`, `ETIMEDOUT`, …) and the original error is
 * the `cause`.
 */
export class ConnectError extends RpcError {
  constructor(
    /** The URL (or command) that could not be reached. */
    readonly url: string,
    /** The system error code, e.g. `ECONNREFUSED`; `ETIMEDOUT` when `connectTimeout` passed. */
    readonly code: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * `listen` could not start accepting connections: the address is in use,
 * not available, or not permitted. The message names the URL; `code` is
 * the system error code (`EADDRINUSE`, `EACCES`, …).
 */
export class ListenError extends RpcError {
  constructor(
    /** The URL that could not be listened on. */
    readonly url: string,
    /** The system error code, e.g. `EADDRINUSE`. */
    readonly code: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
