/**
 * The public shape of a server made by `listen`: its options, the info a
 * services factory gets per connection, its events, and the `Server`
 * interface both implementations (one process, or a cluster primary) offer.
 */
import type { RpcLogger as Logger } from '../logger';
import type * as tls from 'node:tls';
import type { AnyRpc, NetPeerOptions } from '../net/options';
import type { RegisterOptions } from '../ns/keeper';
import type { Middleware } from '../peer/peer';
import type { Params } from '../protocol/messages';
import type { Disposable } from '../protocol/router';

/** What a services factory (and, by default, a handler's `clientInfo`) learns about a new connection. */
export interface ConnectionInfo {
  /** The server's own URL (port filled in). */
  url: string;
  /** `c1`, `c2`, …: this connection's label in every log line (the peer's `connectionId`). */
  connectionId: string;
  /** The client's address; `''` on a unix socket. */
  remoteAddress: string;
  /** The client's port (tcp, tls). */
  remotePort?: number;
  /** tls: the client certificate (empty object when the client sent none). */
  peerCertificate?: tls.PeerCertificate;
  /** tls: the client certificate's subject, e.g. `{ CN: 'alice', O: 'acme' }`. */
  subject?: tls.Certificate;
  /** tls: true when the client certificate was verified against `tls.ca`. */
  authorized?: boolean;
}

/**
 * Called once per connection: returns the service object that connection
 * serves (one shared instance, or a fresh one), or `null` for a peer that
 * only calls. May be async; a throw refuses the connection (logged, and
 * emitted as `'error'` when heard).
 */
export type ServicesFactory = (info: ConnectionInfo) => object | null | Promise<object | null>;

/** Options of {@link listen}: every peer option, applied to each connection, plus the server's own. */
export interface ListenOptions extends NetPeerOptions {
  /** For `tls://` and `wss://`: Node's `tls.createServer` options (`key`, `cert`, `ca`, `requestCert`, `rejectUnauthorized`, …). */
  tls?: tls.TlsOptions;
  /**
   * For `ws://` and `wss://`: ms between WebSocket pings to each client; a
   * client whose pong has not come back when the next ping is due is
   * dropped. 0 disables. Default 30000.
   */
  pingInterval?: number;
  /** Live connections at most; past it a new connection is closed at once and logged. Default 10000. */
  maxConnections?: number;
  /**
   * Connections the kernel may queue before they are accepted (capped by
   * `net.core.somaxconn`). Node's default, 511, overflows under a burst of
   * thousands of connects, and on Linux an overflow leaves half-open
   * connections the client has already given up on. Default 4096.
   */
  backlog?: number;
  /**
   * ms of silence before TCP keepalive probes a connection, so a client
   * that vanished without a FIN (power loss, a dropped half-open
   * connection) is noticed and closed; `false` turns it off. Default 60000.
   */
  keepAlive?: number | false;
  /**
   * Serve from this many processes with `node:cluster` (the primary forks
   * `process.argv[1]`, which must call `listen` the same way; see
   * docs/deployment.md). Default: serve in this process.
   */
  workers?: number;
  /** The server's pino logger; each connection logs through its child `{ connectionId }`. Default as for peers. */
  logger?: Logger;
  /**
   * Register this server in a name server under `name` (unregistered on
   * `close()`; registered again when the name server restarts). The first
   * registration must succeed, or `listen` rejects. Default: not registered.
   */
  register?: RegisterOptions;
}

/** The events a {@link Server} emits. */
export interface ServerEvents {
  /** A connection is up and its peer serves it. */
  connection: [peer: AnyRpc, info: ConnectionInfo];
  /** A connection closed (either side). */
  disconnect: [peer: AnyRpc, info: ConnectionInfo];
  /** Something went wrong that did not stop the server: a refused TLS handshake, a throwing factory, a dead worker. Only emitted when heard; always logged. */
  error: [error: Error];
}

/** Options of {@link Server.close}. */
export interface CloseOptions {
  /** ms that running handlers get to finish before every connection is closed anyway. Default 5000. */
  timeout?: number;
}

/**
 * A listening server, as `listen` resolves to. Stop it with `close()`.
 * With `workers`, the object in the primary process has no connections of
 * its own (they live in the workers) and `close()` stops every worker.
 */
export interface Server {
  /** The URL it listens on, with the real port filled in (`tcp://127.0.0.1:41234`). */
  readonly url: string;
  /** The live peers, one per connection (empty in a cluster primary). */
  readonly connections: ReadonlySet<AnyRpc>;
  /** True until `close()` is called. */
  readonly listening: boolean;
  /**
   * Stops accepting, lets running handlers finish up to `timeout`, then
   * closes every connection. Resolves `true` when every handler finished in
   * time, `false` when some were cut off. Safe to call twice (the second
   * call gets the same promise).
   */
  close(options?: CloseOptions): Promise<boolean>;
  /**
   * Adds middleware to every connection, present and future (see
   * `RpcPeer.use`): the first added is the outermost. With `workers`, each
   * worker runs the same program and so adds it itself; the primary has no
   * connections. Returns a {@link Disposable} that removes it everywhere.
   */
  use(middleware: Middleware): Disposable;
  /**
   * Sends the notification `method` with `params` (an array: positional, a
   * plain object: named; omitted when undefined) to every live connection
   * of this server, encoding the message with the codec once (JSON text or
   * BSON bytes) for all of them, and on byte streams framing it once too:
   * every socket is handed the same bytes. WebSocket clients get one
   * message each, encoded once as well.
   *
   * Each connection then takes it as its own `sendNotification` would,
   * minus the encoding: a connection closed or closing is skipped; a slow
   * receiver queues it (nothing is dropped or waited for), and a receiver
   * whose queue passes its `maxWriteBuffer` is closed (`the peer is not
   * reading`), so one client that stops reading cannot grow memory without
   * bound. Order is kept per connection, not across connections.
   *
   * Throws, sending nothing, a `TypeError` for a method that is not a string
   * or params that are neither an array nor a plain object, and an
   * `EncodingError` for params the codec (or the framing) cannot carry.
   *
   * With `workers`, the primary has no connections: it checks the arguments
   * and returns 0. Each worker runs the same program and broadcasts to its
   * own connections (see docs/deployment.md). A connection with an
   * `onOutgoing` hook encodes a copy of its own, so its hooks see the
   * message and may annotate it for that connection only.
   *
   * @returns how many connections it was handed to.
   */
  broadcast(method: string, params?: Params): number;
  /** Subscribes to a {@link ServerEvents} event. */
  on<K extends keyof ServerEvents>(event: K, listener: (...args: ServerEvents[K]) => void): this;
  /** Subscribes to a {@link ServerEvents} event once. */
  once<K extends keyof ServerEvents>(event: K, listener: (...args: ServerEvents[K]) => void): this;
  /** Unsubscribes. */
  off<K extends keyof ServerEvents>(event: K, listener: (...args: ServerEvents[K]) => void): this;
}

/** The default `backlog` of a server. */
export const DEFAULT_BACKLOG = 4096;

/** The default `keepAlive` of a server's connections, in ms. */
export const DEFAULT_KEEPALIVE = 60_000;

/** The default `maxConnections`. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/** The default `close({ timeout })`, in ms. */
export const DEFAULT_CLOSE_TIMEOUT = 5000;
