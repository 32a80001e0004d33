/**
 * `listen(url, servicesFactory, options?)`: checks the URL and options,
 * then starts a one-process {@link SocketServer}, or, with `workers`, a
 * cluster primary that forks workers which each start one.
 */
import { resolveProtocol } from '../net/options';
import { checkScheme } from '../net/schemes';
import { checkPingInterval } from '../net/websocket';
import { parseRpcUrl } from '../net/url';
import { registerServer } from '../ns/keeper';
import { ClusterPrimary, isClusterWorker, serveAsWorker } from './cluster';
import { SocketServer } from './server';
import type { ListenOptions, Server, ServicesFactory } from './types';

/**
 * Listens on `url` and serves each connection with the service object
 * `servicesFactory` returns for it. Resolves once connections are accepted,
 * to a {@link Server} whose `url` has the real port filled in.
 *
 * ```ts
 * const server = await listen('tcp://127.0.0.1:0', (info) => new ServerServices());
 * const web = await listen('ws://127.0.0.1:8080/rpc', () => new ServerServices()); // WebSocket upgrades on /rpc
 * ```
 *
 * Rejects with a `TypeError` for a bad URL or option, and with
 * `ListenError` (naming the URL) when the address is in use or not
 * available. With `workers: n` the calling process becomes a cluster
 * primary that forks `process.argv[1]` n times: the program must call
 * `listen` the same way in every process (see docs/deployment.md).
 *
 * With `register: { name }` the server also registers in a name server
 * (see docs/name-server.md), keeps the registration alive, and
 * unregisters on `close()`.
 */
export async function listen(url: string, servicesFactory: ServicesFactory, options: ListenOptions = {}): Promise<Server> {
  const { register, ...rest } = options;
  const server = await listenHere(url, servicesFactory, rest);
  // One registration per address: a cluster's primary registers, its workers do not.
  return register === undefined || (options.workers !== undefined && isClusterWorker()) ? server : registerServer(server, register, rest);
}

async function listenHere(url: string, servicesFactory: ServicesFactory, options: ListenOptions): Promise<Server> {
  const u = parseRpcUrl(url);
  const scheme = checkScheme(u, 'listen', url, options);
  resolveProtocol(options, u);
  if (typeof servicesFactory !== 'function') {
    throw new TypeError(`listen("${url}"): servicesFactory must be a function (info) => services; wrap a shared object as () => obj`);
  }
  const { maxConnections, workers } = options;
  if (maxConnections !== undefined && !(Number.isInteger(maxConnections) && maxConnections > 0)) {
    throw new TypeError(`option maxConnections must be a positive integer, got ${String(maxConnections)}`);
  }
  if (options.backlog !== undefined && !(Number.isInteger(options.backlog) && options.backlog > 0)) {
    throw new TypeError(`option backlog must be a positive integer, got ${String(options.backlog)}`);
  }
  const { keepAlive } = options;
  if (keepAlive !== undefined && keepAlive !== false && !(Number.isInteger(keepAlive) && keepAlive > 0)) {
    throw new TypeError(`option keepAlive must be a positive number of ms or false, got ${String(keepAlive)}`);
  }
  checkPingInterval(options.pingInterval);
  const secure = scheme === 'tls' || scheme === 'wss';
  if (options.tls && !secure) throw new TypeError(`listen("${url}"): option tls is only for tls:// and wss:// URLs`);
  if (secure && !options.tls) throw new TypeError(`listen("${url}"): a ${scheme}:// server needs options.tls with at least key and cert`);
  if (workers !== undefined) {
    if (!(Number.isInteger(workers) && workers > 0)) throw new TypeError(`option workers must be a positive integer, got ${String(workers)}`);
    if (scheme === 'unix') throw new TypeError(`listen("${url}"): workers need a tcp:// or tls:// URL (cluster shares ports, not unix sockets)`);
    if (scheme === 'ws' || scheme === 'wss') throw new TypeError(`listen("${url}"): workers are not yet supported for ${scheme}:// (untested); run one process per port`);
    if (!isClusterWorker()) return ClusterPrimary.start(url, workers, options);
    const server = await SocketServer.start(u, scheme, servicesFactory, options);
    serveAsWorker(server);
    return server;
  }
  return SocketServer.start(u, scheme, servicesFactory, options);
}
