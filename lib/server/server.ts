/**
 * The server of one process: accepts tcp, tls, unix or WebSocket (ws, wss)
 * connections, wraps
 * each in a peer through the public constructors (as a user's
 * `net.createServer(socket => new JsonRpc(socket, ...))` would), tracks
 * the live peers, refuses connections past `maxConnections`, and shuts
 * down gracefully.
 *
 * Owns the listening socket and every accepted socket; does not own the
 * service objects the factory returns (nothing is disposed on close).
 */
import { EventEmitter } from 'node:events';
import type * as http from 'node:http';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import type { WebSocket } from 'ws';
import type { MessageCodec } from '../codec/codec';
import { BsonCodec } from '../codec/bson';
import { JsonCodec } from '../codec/json';
import { ListenError } from '../errors';
import { ConnectionLogger } from '../logger';
import { AnyRpc, makePeer, NetPeerOptions } from '../net/options';
import type { BsonCodecOverride, JsonCodecOverride } from '../peer/options';
import type { Middleware } from '../peer/peer';
import type { Params } from '../protocol/messages';
import type { Disposable } from '../protocol/router';
import { createStreamServer, listenTarget } from '../net/schemes';
import { formatRpcUrl, RpcUrl, Scheme } from '../net/url';
import { createWebSocketServer, isWebSocketScheme, webSocketTransport, WebSocketSetup } from '../net/websocket';
import type { Transport } from '../transport/transport';
import { broadcast } from './broadcast';
import {
  CloseOptions,
  ConnectionInfo,
  DEFAULT_BACKLOG,
  DEFAULT_CLOSE_TIMEOUT,
  DEFAULT_KEEPALIVE,
  DEFAULT_MAX_CONNECTIONS,
  ListenOptions,
  Server,
  ServicesFactory,
} from './types';

/** How often close() looks whether a connection's handlers are done (the peer has no idle event; join() waits for close). */
const DRAIN_POLL_MS = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The one-process {@link Server}. Made by `listen`. @internal */
export class SocketServer extends EventEmitter implements Server {
  url: string;
  private readonly peers = new Set<AnyRpc>();
  /** Middleware from use(), outermost first, with what each added to each live peer. */
  private middleware: { fn: Middleware; onPeer: Map<AnyRpc, Disposable> }[] = [];
  /** Every accepted socket, wrapped or not yet (TLS handshake, async factory): close() ends them all. */
  private readonly sockets = new Set<net.Socket>();
  private readonly log: ConnectionLogger;
  private readonly peerOptions: NetPeerOptions;
  private readonly maxConnections: number;
  private readonly keepAlive: number | false;
  private readonly wsSetup: WebSocketSetup;
  private readonly webSocket: boolean;
  /** The codec broadcast() encodes with, configured as every peer's (made on first use). */
  private codec: MessageCodec | undefined;
  private closing: Promise<boolean> | undefined;
  private nextId = 0;
  private readonly server: net.Server;

  private constructor(
    private readonly u: RpcUrl,
    scheme: Scheme,
    private readonly factory: ServicesFactory,
    options: ListenOptions,
  ) {
    super();
    const { tls: tlsOptions, maxConnections, workers: _workers, backlog: _backlog, keepAlive, pingInterval, ...peerOptions } = options;
    this.peerOptions = peerOptions;
    this.wsSetup = { binary: (options.protocol ?? u.protocol) === 'bson', maxMessageSize: options.maxMessageSize, pingInterval };
    this.maxConnections = maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.keepAlive = keepAlive ?? DEFAULT_KEEPALIVE;
    this.log = new ConnectionLogger(options.logger, 'server');
    this.url = formatRpcUrl(u);
    this.webSocket = isWebSocketScheme(scheme);
    this.server = isWebSocketScheme(scheme)
      ? createWebSocketServer(u, scheme, tlsOptions, options.maxMessageSize, this.onRaw, this.onWebSocket)
      : createStreamServer(scheme, tlsOptions, this.onRaw, (s) => void this.accept(s, s));
    this.server.on('tlsClientError', (err: Error, socket: tls.TLSSocket) =>
      // A certificate that fails verification shows as "socket hang up"; authorizationError says why.
      this.report(err, { remoteAddress: socket.remoteAddress, authorizationError: socket.authorizationError?.message }, 'TLS handshake refused'),
    );
  }

  /** Listens on `u`; resolves once it accepts connections, rejects with `ListenError`. @internal */
  static async start(u: RpcUrl, scheme: Scheme, factory: ServicesFactory, options: ListenOptions): Promise<SocketServer> {
    const s = new SocketServer(u, scheme, factory, options);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const url = formatRpcUrl(u);
        reject(new ListenError(url, err.code, `cannot listen on ${url}: ${err.message}`, { cause: err }));
      };
      s.server.once('error', onError);
      s.server.listen(listenTarget(u, scheme, options.backlog ?? DEFAULT_BACKLOG), () => {
        s.server.off('error', onError);
        resolve();
      });
    });
    // Errors after listening (rare: e.g. EMFILE on accept) do not stop the server.
    s.server.on('error', (err) => s.report(err, {}, 'server socket error'));
    const address = s.server.address();
    if (address && typeof address === 'object') s.url = formatRpcUrl({ ...u, port: address.port });
    s.log.info({ url: s.url }, 'listening');
    return s;
  }

  get connections(): ReadonlySet<AnyRpc> {
    return this.peers;
  }

  get listening(): boolean {
    return this.closing === undefined;
  }

  close(options: CloseOptions = {}): Promise<boolean> {
    return (this.closing ??= this.shutdown(options.timeout ?? DEFAULT_CLOSE_TIMEOUT));
  }

  /**
   * A socket's 'close' listener (`this` is the socket): one function for the
   * whole server, so an idle connection costs no closure of its own here.
   */
  private readonly forgetSocket: (this: net.Socket) => void = ((sockets: Set<net.Socket>) =>
    function (this: net.Socket): void {
      sockets.delete(this);
    })(this.sockets);

  /** Every accepted TCP socket, before any handshake: counts it against maxConnections. */
  private readonly onRaw = (socket: net.Socket): void => {
    if (this.closing || this.sockets.size >= this.maxConnections) {
      if (!this.closing) {
        this.log.warn(
          { remoteAddress: socket.remoteAddress, maxConnections: this.maxConnections },
          'connection refused: maxConnections reached',
        );
      }
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', this.forgetSocket);
    if (this.keepAlive !== false && socket.remotePort !== undefined) socket.setKeepAlive(true, this.keepAlive);
  };

  /** A WebSocket upgraded on our path: its transport listens at once, so nothing it sends is lost while the factory runs. */
  private readonly onWebSocket = (ws: WebSocket, request: http.IncomingMessage): void => {
    void this.accept(request.socket as net.Socket, webSocketTransport(ws, this.wsSetup));
  };

  /**
   * A connection that may carry messages (after the TLS handshake, or the
   * WebSocket upgrade): ask the factory, make the peer over `carrier` (the
   * socket itself, or a transport on it).
   */
  private async accept(socket: net.Socket, carrier: Duplex | Transport): Promise<void> {
    const discard = (): void => (carrier === socket ? void socket.destroy() : (carrier as Transport).abort());
    if (socket.destroyed || this.closing) return discard();
    const connectionId = `c${++this.nextId}`;
    const info = connectionInfo(socket, this.url, connectionId);
    // Until the peer listens, a reset must not be an unhandled 'error' (a transport listens already).
    const early = (err: Error): void => this.log.debug({ connection: connectionId, err }, 'socket error before the peer started');
    socket.on('error', early);
    let peer: AnyRpc;
    try {
      const services = await this.factory(info);
      if (socket.destroyed || this.closing) return discard();
      peer = makePeer(carrier, services, {
        ...this.peerOptions,
        connectionId,
        clientInfo: this.peerOptions.clientInfo ?? info,
      }, this.u);
    } catch (err) {
      discard();
      this.report(err as Error, { connection: connectionId, remoteAddress: info.remoteAddress }, 'connection refused: the services factory failed');
      return;
    } finally {
      socket.off('error', early);
    }
    this.peers.add(peer);
    for (const m of this.middleware) m.onPeer.set(peer, peer.use(m.fn));
    // Lines about one connection go through its own child logger ({ connectionId }).
    if (this.log.isLevelEnabled('debug')) peer.logger.debug({ remoteAddress: info.remoteAddress, url: this.url }, 'connection');
    this.watch(peer, info);
    this.emit('connection', peer, info);
  }

  /**
   * Forgets `peer` when it closes. A method of its own so that the listener
   * keeps only `peer` and `info` alive, not everything accept() touched.
   */
  private watch(peer: AnyRpc, info: ConnectionInfo): void {
    peer.on('close', (reason) => {
      this.peers.delete(peer);
      for (const m of this.middleware) m.onPeer.delete(peer);
      if (this.log.isLevelEnabled('debug')) peer.logger.debug({ reason }, 'disconnect');
      this.emit('disconnect', peer, info);
    });
  }

  /** {@inheritDoc Server.broadcast} */
  broadcast(method: string, params?: Params): number {
    const bson = this.wsSetup.binary; // the server's wire format, whatever the scheme
    const codec = (this.codec ??= bson
      ? new BsonCodec(this.peerOptions.codec as BsonCodecOverride | undefined)
      : new JsonCodec(this.peerOptions.codec as JsonCodecOverride | undefined));
    const count = broadcast(this.peers, codec, this.webSocket && !bson, method, params);
    this.log.trace({ method, connections: count }, 'broadcast');
    return count;
  }

  /** {@inheritDoc Server.use} */
  use(middleware: Middleware): Disposable {
    if (typeof middleware !== 'function') throw new TypeError('use() takes a function (call, next) => result');
    const entry = { fn: middleware, onPeer: new Map<AnyRpc, Disposable>() };
    for (const peer of this.peers) entry.onPeer.set(peer, peer.use(middleware));
    this.middleware.push(entry);
    return {
      dispose: () => {
        this.middleware = this.middleware.filter((m) => m !== entry);
        for (const d of entry.onPeer.values()) d.dispose();
        entry.onPeer.clear();
      },
    };
  }

  private async shutdown(timeout: number): Promise<boolean> {
    const deadline = Date.now() + timeout;
    // Stops accepting now; the callback runs once every accepted socket is gone.
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drained = await Promise.all([...this.peers].map((peer) => drain(peer, deadline)));
    for (const socket of this.sockets) socket.destroy(); // handshakes and factories still in progress
    await stopped;
    const ok = drained.every(Boolean);
    this.log.info({ url: this.url, handlersFinished: ok }, 'closed');
    return ok;
  }

  /** Logs, and emits `'error'` only when someone listens: a bad client must not crash the server. */
  private report(err: Error, context: object, msg: string): void {
    this.log.warn({ ...context, err }, msg);
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

/** Waits (up to `deadline`) for `peer`'s running handlers, then closes it; true when none was cut off. */
async function drain(peer: AnyRpc, deadline: number): Promise<boolean> {
  while (!peer.isClosed && peer.stats().runningHandlers > 0 && Date.now() < deadline) {
    await sleep(Math.min(DRAIN_POLL_MS, Math.max(1, deadline - Date.now())));
  }
  const finished = peer.isClosed || peer.stats().runningHandlers === 0;
  peer.close();
  // Handlers cut off by the close may still settle (their signal aborted); they did not finish in time.
  return (await peer.join(Math.max(1, deadline - Date.now()))) && finished;
}

/** The info a factory gets; TLS fields only on a TLS socket. */
function connectionInfo(socket: net.Socket, url: string, connectionId: string): ConnectionInfo {
  const info: ConnectionInfo = { url, connectionId, remoteAddress: socket.remoteAddress ?? '' };
  if (socket.remotePort !== undefined) info.remotePort = socket.remotePort;
  const tlsSocket = socket as tls.TLSSocket;
  if (typeof tlsSocket.getPeerCertificate === 'function') {
    const cert = tlsSocket.getPeerCertificate();
    info.peerCertificate = cert;
    if (cert && cert.subject) info.subject = cert.subject;
    info.authorized = tlsSocket.authorized;
  }
  return info;
}
