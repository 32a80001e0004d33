/**
 * Which URL schemes `connect` and `listen` can serve, and how each opens a
 * byte stream: the one place a new scheme is plugged in.
 *
 * `ws://` and `wss://` are parsed (lib/net/url.ts) but refused here: a
 * WebSocket carries whole messages, so it belongs on the message-level
 * `Transport` seam (lib/transport/transport.ts) the peer is moving to, not
 * squeezed into a byte stream. When the peer accepts a `Transport`,
 * {@link unsupportedScheme} is where WebSocket goes in.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { RpcUrl, Scheme } from './url';

/** The schemes that are byte streams over `net`/`tls`. @internal */
export type StreamScheme = Extract<Scheme, 'tcp' | 'tls' | 'unix'>;

/**
 * Throws the "not yet supported" `TypeError` for a scheme that parses but
 * has no transport yet (ws, wss); returns the URL narrowed to a stream
 * scheme otherwise. @internal
 */
export function unsupportedScheme(u: RpcUrl, what: 'connect' | 'listen', url: string): StreamScheme {
  if (u.scheme === 'ws' || u.scheme === 'wss') {
    throw new TypeError(`${what}("${url}"): ${u.scheme}:// is not yet supported (WebSocket arrives with the message-level transport)`);
  }
  return u.scheme;
}

/** Starts opening a client socket for a stream URL (not yet connected). @internal */
export function openSocket(u: RpcUrl, scheme: StreamScheme, tlsOptions: tls.ConnectionOptions | undefined): net.Socket {
  if (scheme === 'unix') return net.connect({ path: u.path });
  if (scheme === 'tcp') return net.connect({ host: u.host, port: u.port as number });
  // SNI takes a host name, never an IP address (Node warns on one).
  const servername = net.isIP(u.host) ? undefined : u.host;
  return tls.connect({ servername, ...tlsOptions, host: u.host, port: u.port as number });
}

/** The event after which a socket from {@link openSocket} may carry messages. @internal */
export function readyEvent(scheme: StreamScheme): 'connect' | 'secureConnect' {
  return scheme === 'tls' ? 'secureConnect' : 'connect';
}

/**
 * A server for a stream URL. `onSocket` gets each connection once it may
 * carry messages (after the TLS handshake for tls); `onRaw` every accepted
 * TCP socket, handshake or not, so the caller can count and close them.
 * @internal
 */
export function createStreamServer(
  scheme: StreamScheme,
  tlsOptions: tls.TlsOptions | undefined,
  onRaw: (socket: net.Socket) => void,
  onSocket: (socket: net.Socket) => void,
): net.Server {
  if (scheme === 'tls') {
    const server = tls.createServer({ ...tlsOptions }, onSocket);
    server.on('connection', onRaw);
    return server;
  }
  if (tlsOptions) throw new TypeError(`option tls is only for tls:// URLs, not ${scheme}://`);
  return net.createServer((socket) => {
    onRaw(socket);
    onSocket(socket);
  });
}

/** Where a stream server listens, as `net.Server.listen` takes it. @internal */
export function listenTarget(u: RpcUrl, scheme: StreamScheme, backlog: number): net.ListenOptions {
  return scheme === 'unix' ? { path: u.path, backlog } : { host: u.host, port: u.port, backlog };
}
