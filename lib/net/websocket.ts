/**
 * `ws://` and `wss://` for `connect` and `listen`: opening a client
 * WebSocket, and the HTTP(S) server whose upgrade requests become
 * WebSockets. Each open WebSocket becomes a {@link WebSocketTransport}.
 *
 * The `ws` package is required here lazily, on the first ws:// URL, so a
 * program that only speaks tcp:// never loads it.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { WebSocket, WebSocketServer } from 'ws';
import { ConnectError } from '../errors';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../peer/options';
import { WebSocketTransport } from '../transport/websocket';
import { formatRpcUrl, RpcUrl } from './url';

/** The schemes served here. @internal */
export type WebSocketScheme = 'ws' | 'wss';

/** What both ends take from the options to make a WebSocket. @internal */
export interface WebSocketSetup {
  /** Binary frames (BSON) or text frames (JSON). */
  binary: boolean;
  /** The peer's `maxMessageSize`, enforced as `ws`'s `maxPayload`. */
  maxMessageSize: number | undefined;
  /** See `WebSocketTransportOptions.pingInterval`. */
  pingInterval: number | undefined;
}

function loadWs(): typeof import('ws') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('ws') as typeof import('ws');
}

/** Throws the `TypeError` for a `pingInterval` that is not a number of ms ≥ 0. @internal */
export function checkPingInterval(value: number | undefined): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    throw new TypeError(`option pingInterval must be a number of ms (0 disables), got ${String(value)}`);
  }
}

/** True for ws:// and wss://. @internal */
export function isWebSocketScheme(scheme: string): scheme is WebSocketScheme {
  return scheme === 'ws' || scheme === 'wss';
}

/** The transport for an open WebSocket. @internal */
export function webSocketTransport(socket: WebSocket, setup: WebSocketSetup): WebSocketTransport {
  return new WebSocketTransport(socket, {
    binary: setup.binary,
    pingInterval: setup.pingInterval,
    maxMessageSize: setup.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
  });
}

/**
 * Opens a client WebSocket to `u` and resolves once it is open; rejects
 * with `ConnectError` naming `url` (refused, a non-101 answer such as 404,
 * a failed TLS handshake, or nothing within `timeout` ms). @internal
 */
export function openWebSocket(
  url: string,
  u: RpcUrl,
  setup: WebSocketSetup,
  timeout: number,
  tlsOptions: tls.ConnectionOptions | undefined,
): Promise<WebSocket> {
  const { WebSocket } = loadWs();
  // The query (protocol=bson) is ours, not the server's: it is not sent.
  const target = formatRpcUrl({ ...u, protocol: undefined, framing: undefined });
  const socket = new WebSocket(target, {
    ...tlsOptions,
    maxPayload: setup.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    perMessageDeflate: false,
    handshakeTimeout: timeout,
  });
  return new Promise<WebSocket>((resolve, reject) => {
    const fail = (code: string | undefined, why: string, cause?: unknown): void => {
      cleanup();
      socket.terminate();
      reject(new ConnectError(url, code, `cannot connect to ${url}: ${why}`, { cause }));
    };
    const onError = (err: NodeJS.ErrnoException): void => fail(err.code, err.message, err);
    const onUnexpected = (_req: http.ClientRequest, res: http.IncomingMessage): void => {
      res.resume();
      fail('EPROTO', `the server answered HTTP ${res.statusCode} instead of upgrading to a WebSocket`);
    };
    const onOpen = (): void => {
      cleanup();
      resolve(socket);
    };
    const timer = setTimeout(() => fail('ETIMEDOUT', `no connection within ${timeout} ms (connectTimeout)`), timeout);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('error', onError).off('open', onOpen).off('unexpected-response', onUnexpected);
      // terminate() after a failure may still report; nobody else listens yet.
      socket.on('error', () => undefined);
    };
    socket.once('error', onError).once('open', onOpen).once('unexpected-response', onUnexpected);
  });
}

/**
 * The HTTP (or, for wss, HTTPS) server of a ws:// URL. `onRaw` gets every
 * accepted TCP socket (to count and close them); `onWebSocket` each
 * WebSocket upgraded on the URL's path, with its upgrade request. An
 * upgrade to another path is answered 404, a plain HTTP request 426 (on
 * the path) or 404. @internal
 */
export function createWebSocketServer(
  u: RpcUrl,
  scheme: WebSocketScheme,
  tlsOptions: tls.TlsOptions | undefined,
  maxMessageSize: number | undefined,
  onRaw: (socket: net.Socket) => void,
  onWebSocket: (ws: WebSocket, request: http.IncomingMessage) => void,
): net.Server {
  const { WebSocketServer } = loadWs();
  const wss: WebSocketServer = new WebSocketServer({
    noServer: true,
    maxPayload: maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const onPath = pathOf(req) === u.path;
    res.writeHead(onPath ? 426 : 404, { 'content-type': 'text/plain', connection: 'close', ...(onPath ? { upgrade: 'websocket' } : {}) });
    res.end(onPath ? 'a WebSocket endpoint: connect with a WebSocket client\n' : 'not found\n');
  };
  const server = scheme === 'wss' ? https.createServer({ ...tlsOptions }, onRequest) : http.createServer(onRequest);
  server.on('connection', onRaw);
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (pathOf(req) !== u.path) {
      socket.on('error', () => undefined); // a client that resets now is no concern of ours
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // handleUpgrade answers a bad handshake (400, 426) itself and closes the socket.
    wss.handleUpgrade(req, socket, head, (ws) => onWebSocket(ws, req));
  });
  return server;
}

/** The path of a request target, without its query. */
function pathOf(req: http.IncomingMessage): string {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}
