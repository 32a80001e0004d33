/**
 * `BsonRpc`: the same symmetric peer with BSON documents on the wire,
 * wire-compatible with Python bsonrpc's `BSONRpc`. No batches.
 */
import type { Duplex } from 'node:stream';
import { BsonCodec } from '../codec/bson';
import { resolveFraming } from '../framing';
import type { BatchBuilder, BatchProxy } from './batch';
import type { BsonRpcOptions } from './options';
import { RpcPeer } from './peer';

/**
 * `Date`, `Buffer` and `bigint` travel as BSON datetime, binary and int64.
 * A document that does not parse closes the connection (BSON cannot
 * resynchronise).
 */
class BsonRpcPeer extends RpcPeer {
  /**
   * @param socket - the stream; the peer owns it and ends it on `close()`.
   * @param services - an instance of a `@serviceClass` class, or nothing for a peer that only calls.
   * @param options - see {@link BsonRpcOptions}.
   */
  constructor(socket: Duplex, services?: object | null, options: BsonRpcOptions = {}) {
    super(socket, services, options, { codec: new BsonCodec(options.codec), framing: resolveFraming('bson'), resyncOnDecodeError: false, checkNesting: false });
  }

  /** @internal Not part of BsonRpc's type; untyped callers get a clear error. */
  batchCall(_build: BatchBuilder | ((b: BatchProxy) => void), _options?: { timeout?: number }): Promise<unknown[] | null> {
    throw new TypeError('BsonRpc has no batches: BSON-RPC carries one document per message (use JsonRpc for batches)');
  }
}

/** A BSON-RPC peer: everything `JsonRpc` offers except `batchCall`. */
export type BsonRpc = Omit<BsonRpcPeer, 'batchCall'>;

/**
 * A BSON-RPC peer over any Duplex stream. The class is exported under a
 * type without `batchCall`, so calling it is a compile error; untyped code
 * that calls it anyway gets a `TypeError`.
 */
export const BsonRpc: new (socket: Duplex, services?: object | null, options?: BsonRpcOptions) => BsonRpc = BsonRpcPeer;
