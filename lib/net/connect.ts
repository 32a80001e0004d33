/**
 * `connect(url, services?, options?)`: opens a socket for a bsonrpc URL and
 * wraps it in a `JsonRpc` or `BsonRpc`, exactly as a user would by hand
 * (`new JsonRpc(net.connect(...))`), but only once the connection (and the
 * TLS handshake) is up, so "cannot connect" is one rejected promise that
 * names the URL instead of a peer that closes at once.
 *
 * Does not retry or reconnect: a closed peer stays closed.
 */
import type * as net from 'node:net';
import { ConnectError } from '../errors';
import type { BsonRpc } from '../peer/bson-rpc';
import type { JsonRpc } from '../peer/json-rpc';
import { AnyRpc, ConnectOptions, DEFAULT_CONNECT_TIMEOUT, makePeer, resolveProtocol } from './options';
import { connectByName, isNameUrl } from '../ns/resolve';
import { checkScheme, openSocket, readyEvent } from './schemes';
import { parseRpcUrl } from './url';
import { checkPingInterval, isWebSocketScheme, openWebSocket, webSocketTransport } from './websocket';

/**
 * Connects to `url` and resolves to a connected peer serving `services` on
 * this side: a `BsonRpc` for `protocol=bson`, else a `JsonRpc`.
 *
 * ```ts
 * const rpc = await connect('tcp://127.0.0.1:7000', new ClientServices());
 * const b = await connect('unix:///run/app.sock?protocol=bson');
 * const n = await connect('ns://127.0.0.1:9090/example.warehouse'); // through a name server
 * const w = await connect('ws://127.0.0.1:8080/rpc'); // one message per WebSocket message
 * ```
 *
 * Throws a `TypeError` (synchronously checked, returned as a rejection) for
 * an unknown scheme, query parameter or value; rejects with
 * {@link ConnectError} naming the URL when the address refuses, is
 * unreachable, fails the TLS handshake, or does not answer within
 * `connectTimeout` (default 10 s).
 *
 * This overload: with `protocol: 'bson'` in the options, typed as `BsonRpc`.
 */
export function connect(url: string, services: object | null | undefined, options: ConnectOptions & { protocol: 'bson' }): Promise<BsonRpc>;
/** With `protocol: 'json'` in the options, typed as `JsonRpc` (batches included). */
export function connect(url: string, services: object | null | undefined, options: ConnectOptions & { protocol: 'json' }): Promise<JsonRpc>;
/** The wire format follows the URL's `?protocol=`: a `JsonRpc` or a `BsonRpc`. */
export function connect(url: string, services?: object | null, options?: ConnectOptions): Promise<AnyRpc>;
/** The implementation of the overloads above. */
export async function connect(url: string, services?: object | null, options: ConnectOptions = {}): Promise<AnyRpc> {
  if (isNameUrl(url)) return connectByName(url, services, options); // ns://host:port/NAME: look up, then connect
  const u = parseRpcUrl(url);
  const scheme = checkScheme(u, 'connect', url, options);
  const protocol = resolveProtocol(options, u); // a bad combination fails before any socket is opened
  if (u.port === 0) throw new TypeError(`connect("${url}"): port 0 is only for listen`);
  if (options.tls && scheme !== 'tls' && scheme !== 'wss') throw new TypeError(`connect("${url}"): option tls is only for tls:// and wss:// URLs`);
  const timeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
  if (!(typeof timeout === 'number' && timeout > 0)) {
    throw new TypeError(`option connectTimeout must be a positive number of ms, got ${String(timeout)}`);
  }

  // The peer gets peer options only: no key material from options.tls lingers in it.
  const { tls: _tls, connectTimeout: _timeout, ...peerOptions } = options;
  if (isWebSocketScheme(scheme)) {
    const setup = { binary: protocol === 'bson', maxMessageSize: options.maxMessageSize, pingInterval: options.pingInterval };
    checkPingInterval(options.pingInterval);
    const ws = await openWebSocket(url, u, setup, timeout, options.tls);
    try {
      return makePeer(webSocketTransport(ws, setup), services, peerOptions, u);
    } catch (err) {
      ws.terminate(); // a bad peer option must not leave the socket open
      throw err;
    }
  }

  const socket = openSocket(u, scheme, options.tls);
  await new Promise<void>((resolve, reject) => {
    const fail = (code: string | undefined, why: string, cause?: unknown): void => {
      cleanup();
      socket.destroy();
      reject(new ConnectError(url, code, `cannot connect to ${url}: ${why}`, { cause }));
    };
    const onError = (err: NodeJS.ErrnoException): void => fail(err.code, err.code ? `${err.message}` : err.message, err);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    // A server that accepts and closes at once (e.g. over its maxConnections)
    // may end the socket before a TLS handshake completes.
    const onClose = (): void => fail('ECONNRESET', 'the connection closed during setup');
    const timer = setTimeout(() => fail('ETIMEDOUT', `no connection within ${timeout} ms (connectTimeout)`), timeout);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('error', onError).off(readyEvent(scheme), onReady).off('close', onClose);
    };
    socket.once('error', onError).once(readyEvent(scheme), onReady).once('close', onClose);
  });
  return makePeer(socket as net.Socket, services, peerOptions, u);
}
