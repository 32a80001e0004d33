/**
 * A `ws` WebSocket as a message {@link Transport}: one JSON-RPC message (or
 * batch) per WebSocket message, text frames for JSON, binary frames for
 * BSON, no framing inside.
 *
 * It owns the WebSocket (its listeners, its ping clock and its closing) and
 * the check that each frame is of the kind its peer reads. It does not
 * create the WebSocket, does not know JSON-RPC, and imports `ws` for its
 * types only: the package is loaded by whoever makes the socket.
 */
import type { Payload, Transport, TransportReceiver } from './transport';

/**
 * The part of a `ws` WebSocket the transport uses; a `ws` `WebSocket` is
 * one. Written out here so the published types need no `@types/ws`.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes queued but not yet written to the socket. */
  readonly bufferedAmount: number;
  /** Queues one message; `cb` runs once it is written (with an error if the socket closed first). */
  send(data: string | Uint8Array, options: { binary: boolean }, cb: (err?: Error) => void): void;
  /** Sends a ping frame. */
  ping(): void;
  /** Stops reading from the socket. */
  pause(): void;
  /** Reads on after `pause`. */
  resume(): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Destroys the socket at once. */
  terminate(): void;
  /**
   * Adds a listener: the transport listens to `message` (data, isBinary),
   * `close` (code, reason), `error` (err; `ws` gives bad input a `WS_ERR_`
   * code) and `pong`.
   */
   
  on(event: string, listener: (...args: any[]) => void): this;
  /** Removes a listener added with `on`. */
   
  off(event: string, listener: (...args: any[]) => void): this;
}

/** `WebSocket.OPEN`, written out so this file needs no runtime `ws`. */
const OPEN = 1;
/** `WebSocket.CLOSED`. */
const CLOSED = 3;
/** Close code 1003: "received a type of data it cannot accept" (RFC 6455 7.4.1). */
const UNSUPPORTED_DATA = 1003;
/** Close code 1009: a message too big to process. */
const MESSAGE_TOO_BIG = 1009;

/** The default `highWaterMark` of a {@link WebSocketTransport}: 1 MiB. */
const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/** The default `pingInterval`: 30 s. */
const DEFAULT_PING_INTERVAL = 30_000;
/** The default `closeTimeout`: 2 s, as a stream transport gives its queued bytes. */
const DEFAULT_CLOSE_TIMEOUT = 2000;

const TEXT = { binary: false };
const BINARY = { binary: true };

/** Options of a {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  /**
   * The kind of frame this end speaks: `true` for BSON (binary frames),
   * `false` for JSON (text frames). A frame of the other kind is refused:
   * `onError`, then the socket closes with code 1003. Unset: each payload
   * goes as what it is (string → text, bytes → binary) and both kinds are
   * delivered. Default unset.
   */
  binary?: boolean;
  /** Bytes queued in the socket past which `send` returns `false`. Default 1 MiB. */
  highWaterMark?: number;
  /**
   * ms between pings; a connection whose pong has not come back when the
   * next ping is due is terminated (a peer that vanished without a close).
   * 0 disables. Default 30000.
   */
  pingInterval?: number;
  /** ms `close()` waits for the closing handshake before terminating the socket. Default 2000. */
  closeTimeout?: number;
  /**
   * Largest incoming message in bytes; a larger one is refused (`onError`,
   * close code 1009). `ws` reads a message whole before this check, so set
   * the socket's own `maxPayload` too (`connect` and `listen` do, from the
   * peer's `maxMessageSize`). Default: no check beyond `ws`'s.
   */
  maxMessageSize?: number;
}

/** On the socket: the transport it carries, for the listeners every transport shares. */
const CARRIER = Symbol('bsonrpc.webSocketTransport');

/** A socket as the shared listeners see it. */
type Carrier = WebSocketLike & { [CARRIER]?: WebSocketTransport };

/**
 * A `ws` WebSocket seen as a message transport. Owns the socket: `close()`
 * closes it (code 1000, or 1003/1009 after refused input), bounded by
 * `closeTimeout`; `abort()` terminates it.
 *
 * Back-pressure: `send` returns `false` once `ws`'s `bufferedAmount`
 * reaches `highWaterMark`. `ws` has no drain event of its own, so every
 * send passes one shared callback, which `ws` calls when that message has
 * been handed to the TCP socket; the callback after which the queue is
 * below half the mark fires `onDrain`. No timer polls: an idle connection
 * costs nothing, and the last queued message's callback always comes (with
 * an error if the socket closes first, when `onClose` follows anyway).
 *
 * ```ts
 * const socket = new WebSocket('ws://127.0.0.1:8080/rpc');
 * socket.once('open', () => new JsonRpc(new WebSocketTransport(socket, { binary: false }), services));
 * ```
 */
export class WebSocketTransport implements Transport {
  private receiver: TransportReceiver | undefined = undefined;
  private readonly binary: boolean | undefined;
  private readonly highWaterMark: number;
  private readonly pingInterval: number;
  private readonly closeTimeout: number;
  private readonly maxMessageSize: number;
  private pingTimer: NodeJS.Timeout | undefined = undefined;
  /** The callback of `socket.send`, made on the first send. */
  private afterWrite: (() => void) | undefined = undefined;
  private closeTimer: NodeJS.Timeout | undefined = undefined;
  private awaitingPong = false;
  private congested = false;
  private paused = false;
  private inbox: Payload[] = [];
  private done = false;
  private closedByUs = false;
  private closeCode = 1000;
  private closeWhy = '';
  /** Why the socket closed before `start`, reported once the peer starts. */
  private closeReason: string | undefined = undefined;

  constructor(
    /** The open WebSocket; the transport owns it. */
    readonly socket: WebSocketLike,
    options: WebSocketTransportOptions = {},
  ) {
    if (!socket || typeof socket.send !== 'function' || typeof socket.terminate !== 'function') {
      throw new TypeError('WebSocketTransport needs a WebSocket from the ws package');
    }
    this.binary = options.binary;
    this.highWaterMark = positive(options.highWaterMark, DEFAULT_HIGH_WATER_MARK, 'highWaterMark');
    this.pingInterval = options.pingInterval === 0 ? 0 : positive(options.pingInterval, DEFAULT_PING_INTERVAL, 'pingInterval');
    this.closeTimeout = positive(options.closeTimeout, DEFAULT_CLOSE_TIMEOUT, 'closeTimeout');
    this.maxMessageSize = positive(options.maxMessageSize, Infinity, 'maxMessageSize');
    // Listening from the start: a message that arrives before the peer starts waits in the inbox.
    // Shared listeners (`this` is the socket), which find this transport through a symbol on it:
    // an idle connection holds no closure of its own (see docs/performance.md, per-connection memory).
    (socket as Carrier)[CARRIER] = this;
    socket.on('message', WebSocketTransport.onMessage);
    socket.on('close', WebSocketTransport.onSocketClose);
    socket.on('error', WebSocketTransport.onSocketError);
    socket.on('pong', WebSocketTransport.onPong);
    if (socket.readyState !== OPEN) this.closeReason = 'the WebSocket was not open';
  }

  /** {@inheritDoc Transport.start} */
  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
    if (this.closeReason !== undefined) {
      const reason = this.closeReason;
      queueMicrotask(() => this.closed(reason));
      return;
    }
    if (this.pingInterval > 0) {
      this.pingTimer = setInterval(WebSocketTransport.onPingTick, this.pingInterval, this);
      this.pingTimer.unref();
    }
    // What arrived before the peer started (e.g. while a server's services factory ran) goes first.
    if (this.inbox.length > 0 && !this.paused) queueMicrotask(() => this.resume());
  }

  /** {@inheritDoc Transport.bufferedAmount} */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** Sends one message as one WebSocket message; `false` past `highWaterMark` (`onDrain` follows). */
  send(payload: Payload): boolean {
    const socket = this.socket;
    if (this.done || socket.readyState !== OPEN) return true;
    const binary = this.binary ?? typeof payload !== 'string';
    socket.send(payload, binary ? BINARY : TEXT, (this.afterWrite ??= () => this.wrote()));
    if (socket.bufferedAmount < this.highWaterMark) return true;
    this.congested = true;
    return false;
  }

  /** Stops delivering messages; `ws` stops reading the socket (messages it had already read wait here). */
  pause(): void {
    this.paused = true;
    this.socket.pause();
  }

  /** Delivers what waited, then reads on. */
  resume(): void {
    if (this.done) return;
    this.paused = false;
    if (this.receiver === undefined) return; // start() delivers the inbox
    const waiting = this.inbox;
    this.inbox = [];
    for (let i = 0; i < waiting.length; i++) {
      if (this.paused || this.done) {
        this.inbox = waiting.slice(i).concat(this.inbox);
        return;
      }
      this.receiver?.onMessage(waiting[i]);
    }
    if (!this.paused && !this.done) this.socket.resume();
  }

  /** Starts the closing handshake (queued messages go first); terminates after `closeTimeout`. Safe to call twice. */
  close(): void {
    if (this.closedByUs) return;
    this.stopReading();
    const socket = this.socket;
    if (socket.readyState === CLOSED) return;
    this.closeTimer = setTimeout(() => socket.terminate(), this.closeTimeout);
    this.closeTimer.unref();
    socket.close(this.closeCode, this.closeWhy);
  }

  /** Terminates the socket now. Safe to call twice. */
  abort(): void {
    this.stopReading();
    this.socket.terminate();
  }

  private stopReading(): void {
    this.done = true;
    this.closedByUs = true;
    this.inbox = [];
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private closed(reason: string): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.done = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    const receiver = this.receiver;
    if (receiver === undefined) {
      this.closeReason ??= reason;
      return;
    }
    this.receiver = undefined;
    const socket = this.socket;
    socket.off('message', WebSocketTransport.onMessage);
    socket.off('pong', WebSocketTransport.onPong);
    receiver.onClose(reason);
  }

  /** Refuses input: the peer hears why (and closes us, with `code`). */
  private refuse(code: number, error: Error, what: string): void {
    if (this.done) return;
    this.closeCode = code;
    this.closeWhy = what;
    if (this.receiver) this.receiver.onError(error, what);
    else this.closeReason ??= `${what}: ${error.message}`;
    this.close(); // in case the receiver did not
  }

  // The socket's listeners: `this` is the socket (EventEmitter calls them so).

  private static onMessage(this: Carrier, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this[CARRIER]?.received(data, isBinary);
  }

  private static onPong(this: Carrier): void {
    const transport = this[CARRIER];
    if (transport !== undefined) transport.awaitingPong = false;
  }

  private static onSocketClose(this: Carrier, code: number, why: Buffer): void {
    this[CARRIER]?.socketClosed(code, why);
  }

  private static onSocketError(this: Carrier, err: Error & { code?: string }): void {
    this[CARRIER]?.socketError(err);
  }

  private received(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.done) return;
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (bytes.length > this.maxMessageSize) {
      return this.refuse(MESSAGE_TOO_BIG, new Error(`a WebSocket message of ${bytes.length} bytes is over maxMessageSize (${this.maxMessageSize})`), 'message too big');
    }
    if (this.binary !== undefined && isBinary !== this.binary) {
      const error = isBinary
        ? new Error('a binary WebSocket message reached a JSON peer: JSON-RPC travels in text messages')
        : new Error('a text WebSocket message reached a BSON peer: BSON-RPC travels in binary messages');
      return this.refuse(UNSUPPORTED_DATA, error, `wrong WebSocket message type (${isBinary ? 'binary' : 'text'})`);
    }
    const payload: Payload = isBinary ? bytes : bytes.toString('utf8');
    if (this.paused || this.receiver === undefined) this.inbox.push(payload);
    else this.receiver.onMessage(payload);
  }

  /** After each send: below half the high-water mark again, a congested transport drains. */
  private wrote(): void {
    if (!this.congested || this.socket.bufferedAmount >= this.highWaterMark / 2) return;
    this.congested = false;
    this.receiver?.onDrain();
  }

  /** "Find dead ones": the last ping went unanswered for a whole interval. */
  private static onPingTick(transport: WebSocketTransport): void {
    const socket = transport.socket;
    if (transport.awaitingPong) {
      transport.stopReading();
      socket.terminate();
      transport.closed(`no pong within pingInterval (${transport.pingInterval} ms): the other end is gone`);
      return;
    }
    if (socket.readyState !== OPEN) return;
    transport.awaitingPong = true;
    socket.ping();
  }

  private socketClosed(code: number, why: Buffer): void {
    const text = why.length > 0 ? `: ${why.toString('utf8')}` : '';
    this.closed(this.closedByUs ? `closed by this end (code ${code}${text})` : `the other end closed the WebSocket (code ${code}${text})`);
  }

  /**
   * `ws` reports bad input from the other end (an oversized message, bad
   * UTF-8 in a text frame, a protocol violation) as an error with a
   * `WS_ERR_` code, then closes with the matching code; anything else is
   * the connection failing.
   */
  private socketError(err: Error & { code?: string }): void {
    if (typeof err.code === 'string' && err.code.startsWith('WS_ERR_')) {
      if (this.done) return;
      this.done = true;
      if (this.receiver) this.receiver.onError(err, 'invalid WebSocket input');
      else this.closeReason ??= `invalid WebSocket input: ${err.message}`;
      return;
    }
    this.closed(`stream error: ${err.message}`);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(typeof value === 'number' && value > 0)) throw new TypeError(`option ${name} must be a positive number, got ${String(value)}`);
  return value;
}
