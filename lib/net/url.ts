/**
 * Parsing and printing of bsonrpc URLs: `tcp://host:port`,
 * `tls://host:port`, `unix:///absolute/path`, `ws://host:port/path` and
 * `wss://…`, each with the query parameters `protocol=json|bson` and
 * `framing=<name>`.
 *
 * Owns only the text: it opens nothing and does not know which schemes
 * `connect`/`listen` can serve yet (that is lib/net/schemes.ts). Every
 * problem is a `TypeError` that names the URL and the offending part, so a
 * typo in a config file fails at startup with a message saying what to fix.
 */

/** The URL schemes bsonrpc knows. */
export type Scheme = 'tcp' | 'tls' | 'unix' | 'ws' | 'wss';

/** The wire formats a URL may ask for with `?protocol=`. */
export type WireProtocol = 'json' | 'bson';

/** The JSON framings a URL may ask for with `?framing=`. */
export type FramingName = 'rfc7464' | 'netstring' | 'frameless' | 'ndjson' | 'content-length';

/** A parsed bsonrpc URL. */
export interface RpcUrl {
  scheme: Scheme;
  /** Host name or IP address without IPv6 brackets; `''` for unix. */
  host: string;
  /** Port number; `0` asks `listen` for a free one. Undefined for unix. */
  port: number | undefined;
  /** The socket path for unix; the request path (default `/`) for ws/wss; `''` otherwise. */
  path: string;
  /** `?protocol=`, if given. */
  protocol: WireProtocol | undefined;
  /** `?framing=`, if given. */
  framing: FramingName | undefined;
}

const SCHEMES: ReadonlySet<string> = new Set<Scheme>(['tcp', 'tls', 'unix', 'ws', 'wss']);
const PROTOCOLS: ReadonlySet<string> = new Set<WireProtocol>(['json', 'bson']);
const FRAMINGS: ReadonlySet<string> = new Set<FramingName>(['rfc7464', 'netstring', 'frameless', 'ndjson', 'content-length']);
const PARAMS: ReadonlySet<string> = new Set(['protocol', 'framing']);

const list = (s: ReadonlySet<string>): string => [...s].join(', ');

/**
 * Parses a bsonrpc URL. Throws a `TypeError` naming the URL and what is
 * wrong with it: an unknown scheme, query parameter or value, a missing or
 * invalid port, a relative unix path, credentials or a fragment.
 */
export function parseRpcUrl(url: string): RpcUrl {
  if (typeof url !== 'string') throw new TypeError(`a bsonrpc URL must be a string, got ${typeof url}`);
  const bad = (why: string): TypeError => new TypeError(`invalid bsonrpc URL "${url}": ${why}`);
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (!schemeMatch) throw bad('no scheme (expected one of tcp://, tls://, unix://, ws://, wss://)');
  const scheme = schemeMatch[1].toLowerCase();
  if (!SCHEMES.has(scheme)) throw bad(`unknown scheme "${scheme}:" (expected one of ${list(SCHEMES)})`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad('not a well-formed URL');
  }
  if (u.username || u.password) throw bad('credentials in the URL are not supported');
  if (u.hash) throw bad(`unexpected fragment "${u.hash}"`);

  let protocol: WireProtocol | undefined;
  let framing: FramingName | undefined;
  for (const [key, value] of u.searchParams) {
    if (!PARAMS.has(key)) throw bad(`unknown query parameter "${key}" (known: ${list(PARAMS)})`);
    if (key === 'protocol') {
      if (!PROTOCOLS.has(value)) throw bad(`unknown protocol "${value}" (expected ${list(PROTOCOLS)})`);
      protocol = value as WireProtocol;
    } else {
      if (!FRAMINGS.has(value)) throw bad(`unknown framing "${value}" (expected one of ${list(FRAMINGS)})`);
      framing = value as FramingName;
    }
  }

  if (scheme === 'unix') {
    if (u.host) throw bad(`a unix URL names an absolute path and no host: unix:///absolute/path (got host "${u.host}")`);
    const path = decodeURIComponent(u.pathname);
    if (!path.startsWith('/') || path === '/') throw bad('a unix URL needs an absolute socket path: unix:///absolute/path');
    return { scheme, host: '', port: undefined, path, protocol, framing };
  }

  // tcp, tls, ws, wss: a host and a port.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw bad('no host');
  // WHATWG URL drops a port equal to the scheme's default, and ws/wss have
  // defaults; tcp/tls have none, so for them a missing port is an error.
  const portText = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^/:?#]*):(\d+)(?=[/?#]|$)/i.exec(url)?.[1];
  let port: number | undefined = portText === undefined ? undefined : Number(portText);
  if (port === undefined) {
    if (scheme === 'ws') port = 80;
    else if (scheme === 'wss') port = 443;
    else throw bad(`no port (write ${scheme}://host:port; port 0 lets listen pick a free one)`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad(`port ${portText} is out of range`);
  const isWs = scheme === 'ws' || scheme === 'wss';
  if (!isWs && u.pathname !== '' && u.pathname !== '/') throw bad(`a ${scheme} URL takes no path (got "${u.pathname}")`);
  return { scheme: scheme as Scheme, host, port, path: isWs ? u.pathname || '/' : '', protocol, framing };
}

/** Prints a parsed URL back (IPv6 hosts in brackets, query parameters kept). */
export function formatRpcUrl(u: RpcUrl): string {
  const query = new URLSearchParams();
  if (u.protocol) query.set('protocol', u.protocol);
  if (u.framing) query.set('framing', u.framing);
  const q = query.size ? `?${query.toString()}` : '';
  // Per segment, so a '?' or '#' in a file name cannot turn into a query or fragment.
  if (u.scheme === 'unix') return `unix://${u.path.split('/').map(encodeURIComponent).join('/')}${q}`;
  const host = u.host.includes(':') ? `[${u.host}]` : u.host;
  const path = u.scheme === 'ws' || u.scheme === 'wss' ? u.path : '';
  return `${u.scheme}://${host}:${u.port}${path}${q}`;
}
