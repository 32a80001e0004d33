/**
 * `JsonRpc`: the symmetric JSON-RPC 2.0 peer, with batches.
 */
import type { Duplex } from 'node:stream';
import { JsonCodec } from '../codec/json';
import type { Transport } from '../transport/transport';
import { PeerError, ResponseTimeout } from '../errors';
import { resolveFraming } from '../framing';
import { buildCall, RequestId } from '../protocol/messages';
import { BatchBuilder, batchProxy, BatchProxy } from './batch';
import type { JsonRpcOptions } from './options';
import { RpcPeer } from './peer';
import { StreamTransport } from '../transport/stream';

/** Options of one `batchCall`. */
export interface BatchOptions {
  /** ms to wait for the whole batch's answer; overrides the peer's `timeout` option. */
  timeout?: number;
}

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
    super(socket, services, options, new JsonCodec(options.codec), resolveFraming(options.framing ?? 'rfc7464'));
  }

  /**
   * Sends one JSON-RPC batch. Build it with a callback (`b.m(1)` adds a
   * request, `b.n.m(1)` a notification) or pass a {@link BatchBuilder}.
   * Resolves to the results in request order, each a value or the
   * `PeerError` subclass of its error response; `null` when the batch held
   * only notifications. Rejects as a whole on timeout, close or encoding.
   */
  batchCall(build: BatchBuilder | ((b: BatchProxy) => void), options: BatchOptions = {}): Promise<unknown[] | null> {
    return this.sendBatch(build, options);
  }

  /** @internal */
  override sendBatch(build: BatchBuilder | ((b: BatchProxy) => void), options: BatchOptions = {}): Promise<unknown[] | null> {
    const { transport } = this.connection;
    if (transport instanceof StreamTransport && transport.framing.supportsBatches === false) {
      return Promise.reject(new TypeError(`batchCall: the framing "${transport.framing.name}" declares it cannot carry batches`));
    }
    let builder: BatchBuilder;
    if (build instanceof BatchBuilder) builder = build;
    else if (typeof build === 'function') {
      builder = new BatchBuilder();
      build(batchProxy(builder, (args) => this.argsToParams(args)));
    } else return Promise.reject(new TypeError('batchCall takes a callback or a BatchBuilder'));
    if (builder.items.length === 0) return Promise.reject(new TypeError('batchCall: an empty batch is not valid JSON-RPC'));
    const conn = this.connection;
    if (this.isClosed) return Promise.reject(conn.closedError(builder.items[0].method));

    const ids: RequestId[] = [];
    const methods: string[] = [];
    let payload: string | Uint8Array;
    try {
      conn.checkPendingLimit(builder.items[0].method, builder.items.filter((i) => i.kind === 'request').length);
      const messages = builder.items.map((item) => {
        if (item.kind === 'notification') return buildCall(conn.versionKey, item.method, item.params);
        const id = conn.newId();
        ids.push(id);
        methods.push(item.method);
        return buildCall(conn.versionKey, item.method, item.params, id);
      });
      payload = conn.codec.encode(messages);
    } catch (err) {
      return Promise.reject(err);
    }
    // Each request gets its own pending entry so responses route by id even
    // if the peer answers them separately; the batch has one timer.
    const settled = ids.map((id, i) =>
      conn.pending.add(id, methods[i]).then(
        (value) => value,
        (err: unknown) => {
          if (err instanceof PeerError) return err;
          throw err;
        },
      ),
    );
    const timeout = options.timeout ?? conn.options.timeout;
    let timer: NodeJS.Timeout | undefined;
    if (timeout) {
      timer = setTimeout(() => {
        const error = new ResponseTimeout(`batch of ${ids.length} (${methods.join(', ')})`, timeout, conn.options.connectionId);
        for (const id of ids) conn.pending.abandon(id, error);
      }, timeout);
    }
    if (ids.length > 0) conn.scheduler.awaitingAnswer();
    try {
      conn.write(payload);
    } catch (err) {
      for (const id of ids) conn.pending.reject(id, err);
    }
    if (ids.length === 0) return Promise.resolve(null);
    const all = Promise.all(settled).finally(() => clearTimeout(timer));
    // Entries rejected together (timeout/close) must not leave unobserved rejections behind.
    for (const p of settled) p.catch(() => undefined);
    return all;
  }
}

