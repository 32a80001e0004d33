/**
 * `startNameServer(url?, options?)`: the name server is an ordinary
 * bsonrpc server made by `listen`, serving {@link NameService} to each
 * connection and dropping a connection's entries when it closes.
 *
 * Owns the wiring between the listening server and the store (the
 * `disconnect` hook, closing the store with the server); the wire methods
 * live in lib/ns/service.ts.
 */
import { randomBytes } from 'node:crypto';
import { listen } from '../server/listen';
import type { ListenOptions, Server } from '../server/types';
import { RedisNameStore } from './redis-store';
import { NameRegistry, NameService, NS_LIMITS } from './service';
import { MemoryNameStore, NameStore } from './store';

/** Where a name server listens, and where clients look, unless told otherwise: `tcp://127.0.0.1:9090`. */
export const DEFAULT_NS_URL = 'tcp://127.0.0.1:9090';

/** Options of {@link startNameServer}: every `listen` option, plus the name server's own. */
export interface NameServerOptions extends Omit<ListenOptions, 'register' | 'workers'> {
  /**
   * Where the entries live: a {@link NameStore}, or a `redis://host:port`
   * URL for a {@link RedisNameStore} (needs the `ioredis` package; several
   * name servers on one Redis share one registry). A store made here is
   * closed with the server. Default: a new {@link MemoryNameStore}.
   */
  store?: NameStore | string;
  /** Most entries held at once; past it `ns.register` answers `-32005`. Default 100000. */
  maxEntries?: number;
  /** Longest name accepted, in characters; longer is `-32602`. Default 256. */
  maxNameLength?: number;
}

/**
 * Starts a name server on `url` (default `tcp://127.0.0.1:9090`, RFC 7464
 * framing) and resolves to its {@link Server} once it accepts
 * connections; `close()` stops it and closes its store.
 *
 * ```ts
 * const ns = await startNameServer('tcp://127.0.0.1:0');
 * console.log(ns.url); // tcp://127.0.0.1:41234
 * ```
 */
export async function startNameServer(url: string = DEFAULT_NS_URL, options: NameServerOptions = {}): Promise<Server> {
  const { store: given, maxEntries, maxNameLength, ...listenOptions } = options;
  for (const [key, v] of Object.entries({ maxEntries, maxNameLength })) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new TypeError(`option ${key} must be a positive integer, got ${String(v)}`);
  }
  if (typeof given === 'string' && !/^rediss?:\/\//i.test(given)) {
    throw new TypeError(`option store must be a NameStore or a redis:// URL, got "${given}"`);
  }
  const owned = given === undefined || typeof given === 'string';
  const store = given === undefined ? new MemoryNameStore() : typeof given === 'string' ? await RedisNameStore.connect(given) : given;
  const limits = { ...NS_LIMITS, ...(maxEntries && { maxEntries }), ...(maxNameLength && { maxNameLength }) };
  const registry = new NameRegistry(store, limits);
  // Owner ids are unique across name servers, so two of them may share one store.
  const instance = randomBytes(6).toString('hex');
  let server: Server;
  try {
    server = await listen(url, (info) => new NameService(registry, `${instance}:${info.connectionId}`), listenOptions);
  } catch (err) {
    if (owned) await store.close();
    throw err;
  }
  server.on('disconnect', (_peer, info) => {
    Promise.resolve()
      .then(() => store.dropOwner(`${instance}:${info.connectionId}`))
      .catch(() => {
        // The store is unreachable: the entries stay until it comes back (a lease is the remedy).
      });
  });
  const close = server.close.bind(server);
  let closing: Promise<boolean> | undefined;
  server.close = (closeOptions) =>
    (closing ??= close(closeOptions).then(async (ok) => {
      if (owned) await store.close();
      return ok;
    }));
  return server;
}
