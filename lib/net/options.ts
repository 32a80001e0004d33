/**
 * Options of `connect`, `listen`, `spawnPeer` and `stdioPeer`, and the one
 * place where a URL's `?protocol=`/`?framing=` meet the explicit options
 * and become a `JsonRpc` or a `BsonRpc` over a stream.
 *
 * Built on the public peer constructors only, as a user's code would be.
 */
import type { Duplex } from 'node:stream';
import type * as tls from 'node:tls';
import { BsonRpc } from '../peer/bson-rpc';
import { JsonRpc } from '../peer/json-rpc';
import type { BsonCodecOverride, JsonCodecOverride, JsonRpcOptions, PeerOptions } from '../peer/options';
import type { Transport } from '../transport/transport';
import type { RpcUrl, WireProtocol } from './url';

/** A connected peer of either wire format, as `connect` and `listen` hand out. */
export type AnyRpc = JsonRpc | BsonRpc;

/** Peer options plus the choice of wire format, shared by every URL-based entry point. */
export interface NetPeerOptions extends PeerOptions {
  /** `'json'` (JsonRpc) or `'bson'` (BsonRpc). Overrides the URL's `?protocol=`. Default `'json'`. */
  protocol?: WireProtocol;
  /** JSON framing. Overrides the URL's `?framing=`. Default `'rfc7464'` (`'content-length'` over stdio). Not allowed with BSON, nor over ws:// and wss://. */
  framing?: JsonRpcOptions['framing'];
  /** A replacement JSON codec (for `protocol: 'json'`) or BSON codec (for `'bson'`). */
  codec?: JsonCodecOverride | BsonCodecOverride;
}

/** Options of {@link connect}. */
export interface ConnectOptions extends NetPeerOptions {
  /** ms to wait for the connection (and the TLS handshake); then the promise rejects with `ConnectError`. Default 10000. */
  connectTimeout?: number;
  /**
   * For `tls://` and `wss://`: Node's `tls.connect` options (`ca`, `cert`, `key`,
   * `rejectUnauthorized`, `servername`, …). Host and port come from the URL.
   */
  tls?: tls.ConnectionOptions;
  /**
   * For `ws://` and `wss://`: ms between WebSocket pings; a connection whose
   * pong has not come back when the next ping is due is closed. 0 disables.
   * Default 30000.
   */
  pingInterval?: number;
}

/** The default `connectTimeout`, in ms. */
export const DEFAULT_CONNECT_TIMEOUT = 10_000;

/**
 * Makes the peer for `stream` (a Duplex, or a message transport such as a
 * WebSocket's, which ignores the framing): the explicit options win over the URL, the
 * URL over `defaultFraming`. Throws a `TypeError` for a framing asked of
 * BSON (BSON documents delimit themselves). @internal
 */
export function makePeer(
  stream: Duplex | Transport,
  services: object | null | undefined,
  options: NetPeerOptions,
  url: Pick<RpcUrl, 'protocol' | 'framing'> | undefined,
  defaultFraming: JsonRpcOptions['framing'] = 'rfc7464',
): AnyRpc {
  const protocol = resolveProtocol(options, url);
  // Only peer options go on; protocol (and the caller's connectTimeout, tls,
  // pingInterval, ...) are ours. The peer ignores names it does not know, so a spread is safe.
  const { protocol: _p, framing: optionFraming, pingInterval: _ping, ...peerOptions } = options as NetPeerOptions & Record<string, unknown>;
  if (protocol === 'bson') return new BsonRpc(stream, services, peerOptions as PeerOptions & { codec?: BsonCodecOverride });
  const framing = optionFraming ?? url?.framing ?? defaultFraming;
  return new JsonRpc(stream, services, { ...(peerOptions as PeerOptions & { codec?: JsonCodecOverride }), framing });
}

/** The wire format the options and URL ask for; checks they make sense together. @internal */
export function resolveProtocol(options: NetPeerOptions, url: Pick<RpcUrl, 'protocol' | 'framing'> | undefined): WireProtocol {
  const protocol = options.protocol ?? url?.protocol ?? 'json';
  if (protocol !== 'json' && protocol !== 'bson') {
    throw new TypeError(`option protocol must be 'json' or 'bson', got ${String(protocol)}`);
  }
  if (protocol === 'bson' && (options.framing !== undefined || url?.framing !== undefined)) {
    throw new TypeError('framing applies to JSON only: BSON documents carry their own length (drop framing or use protocol=json)');
  }
  return protocol;
}
