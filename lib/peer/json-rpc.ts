/**
 * `JsonRpc`: the symmetric JSON-RPC 2.0 peer, with batches.
 */
import type { Duplex } from 'node:stream';
import { JsonCodec } from '../codec/json';
import type { Transport } from '../transport/transport';
import { resolveFraming } from '../framing';
import type { BatchBuilder, BatchProxy } from './batch';
import type { JsonRpcOptions } from './options';
import { BatchOptions, RpcPeer } from './peer';

export type { BatchOptions };

/** The codec of every peer without a `codec` option: it holds no state, so one serves all connections. */
let plainJson: JsonCodec | undefined;

/**
 * A JSON-RPC 2.0 peer over any Duplex stream. Both sides are equal: each
 * may call the other at any time.
 *
 * ```ts
 * const rpc = new JsonRpc(socket, new ServerServices(), { framing: 'ndjson' });
 * const server = rpc.getPeerProxy<ServerServices>();
 * await server.swapper('abc');
 * ```
 */
export class JsonRpc extends RpcPeer {
  /**
   * @param socket - a Duplex, framed with the `framing` option, or a message
   *   {@link Transport} (one JSON text per message, no framing). The peer
   *   owns it and ends it on `close()`.
   * @param services - an instance of a `@serviceClass` class, or nothing for a peer that only calls.
   * @param options - see {@link JsonRpcOptions}.
   */
  constructor(socket: Duplex | Transport, services?: object | null, options: JsonRpcOptions = {}) {
    super(socket, services, options, options.codec === undefined ? (plainJson ??= new JsonCodec()) : new JsonCodec(options.codec), resolveFraming(options.framing ?? 'rfc7464'));
  }

  /**
   * Sends one JSON-RPC batch. Build it with a callback (`b.m(1)` adds a
   * request, `b.n.m(1)` a notification) or pass a {@link BatchBuilder}.
   * Resolves to the results in request order, each a value or the
   * `PeerError` subclass of its error response; `null` when the batch held
   * only notifications. Rejects as a whole on timeout, close or encoding.
   */
  batchCall<T = any>(build: BatchBuilder<T> | ((b: BatchProxy<T>) => void), options: BatchOptions = {}): Promise<unknown[] | null> {
    return this.sendBatch(build, options);
  }
}
