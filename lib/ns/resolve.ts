/**
 * Names in URLs: `ns://host:port/NAME` means "ask the name server at
 * tcp://host:port for NAME, then connect to what it says". `connect`
 * (lib/net/connect.ts) hands such URLs here.
 *
 * Owns the lookup-then-connect loop: when the server a lookup handed out
 * refuses (it died and its entry has not gone yet), the next lookup
 * (round-robin) is tried, each URL at most once.
 */
import { ConnectError, PeerError } from '../errors';
import { connect } from '../net/connect';
import { AnyRpc, ConnectOptions, DEFAULT_CONNECT_TIMEOUT } from '../net/options';
import { UNKNOWN_NAME } from './service';

/** The port of a name server when an `ns://` URL names none. */
const DEFAULT_NS_PORT = 9090;

/** Most servers one `connect('ns://…')` tries before giving up. */
const MAX_TRIES = 16;

/** A parsed `ns://host:port/NAME`. @internal */
export interface NameUrl {
  /** The name server, as a `tcp://` URL. */
  nameServer: string;
  /** The logical name to look up. */
  name: string;
}

/** True for an `ns:` URL. @internal */
export function isNameUrl(url: unknown): url is string {
  return typeof url === 'string' && /^ns:/i.test(url);
}

/** Parses `ns://host[:port]/NAME`; throws a `TypeError` naming the URL. @internal */
export function parseNameUrl(url: string): NameUrl {
  const bad = (why: string): TypeError => new TypeError(`invalid name URL "${url}": ${why} (expected ns://host:port/NAME)`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad('not a well-formed URL');
  }
  if (!u.hostname) throw bad('no host');
  if (u.search || u.hash) throw bad('an ns URL takes no query or fragment (the registered URL says how to talk to the server)');
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!name) throw bad('no name');
  const host = u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname;
  return { nameServer: `tcp://${host}:${u.port || DEFAULT_NS_PORT}`, name };
}

/**
 * `connect` for `ns://host:port/NAME`: looks NAME up and connects to the
 * URL found, trying the next one (round-robin) when it refuses. Rejects
 * with a `ConnectError` naming the name server when that is unreachable or
 * does not know NAME. @internal
 */
export async function connectByName(url: string, services: object | null | undefined, options: ConnectOptions): Promise<AnyRpc> {
  const { nameServer, name } = parseNameUrl(url);
  const timeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
  let ns: AnyRpc;
  try {
    ns = await connect(nameServer, null, { protocol: 'json', connectTimeout: timeout, ...(options.logger && { logger: options.logger }) });
  } catch (err) {
    const e = err as ConnectError;
    throw new ConnectError(url, e.code, `cannot reach the name server ${nameServer} to look up "${name}": ${e.message}`, { cause: err });
  }
  const tried: string[] = [];
  let last: ConnectError | undefined;
  try {
    for (let i = 0; i < MAX_TRIES; i++) {
      let target: string;
      try {
        target = (await ns.sendRequest('ns.lookup', { name }, { timeout })) as string;
      } catch (err) {
        if (err instanceof PeerError && err.code === UNKNOWN_NAME) {
          if (last) break; // every server under the name went while we tried
          throw new ConnectError(url, 'ENOTFOUND', `name server ${nameServer} knows no "${name}"`, { cause: err });
        }
        throw new ConnectError(url, (err as { code?: string }).code, `name server ${nameServer} did not answer the lookup of "${name}": ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (tried.includes(target)) break;
      tried.push(target);
      try {
        return await connect(target, services, options);
      } catch (err) {
        if (!(err instanceof ConnectError)) throw err;
        last = err;
      }
    }
  } finally {
    ns.close();
  }
  throw new ConnectError(url, last?.code, `cannot connect to "${name}" (name server ${nameServer}): tried ${tried.join(', ')}: ${last?.message ?? 'nothing to try'}`, {
    cause: last,
  });
}
