/**
 * Which URL schemes `connect` and `listen` can serve, and how each opens a
 * byte stream: the one place a new scheme is plugged in.
 *
 * `ws://` and `wss://` carry whole messages, so they do not become byte
 * streams: lib/net/websocket.ts turns them into message transports.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { NetPeerOptions } from './options';
import type { RpcUrl, Scheme } from './url';

/** The schemes that are byte streams over `net`/`tls`. @internal */
export type StreamScheme = Extract<Scheme, 'tcp' | 'tls' | 'unix'>;

/**
 * Checks what the scheme allows and returns it: a framing (in the URL or
 * the options) is a `TypeError` for ws:// and wss://, where each WebSocket
 * message is one JSON-RPC message and nothing frames it. @internal
 */
export function checkScheme(u: RpcUrl, what: 'connect' | 'listen', url: string, options: Pick<NetPeerOptions, 'framing'>): Scheme {
  if ((u.scheme === 'ws' || u.scheme === 'wss') && (u.framing !== undefined || options.framing !== undefined)) {
    throw new TypeError(
      `${what}("${url}"): framing does not apply to ${u.scheme}:// (one JSON-RPC message per WebSocket message, nothing framed inside); drop it`,
    );
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
export function listenTarget(u: RpcUrl, scheme: Scheme, backlog: number): net.ListenOptions {
  return scheme === 'unix' ? { path: u.path, backlog } : { host: u.host, port: u.port, backlog };
}
