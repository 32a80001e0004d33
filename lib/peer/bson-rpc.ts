/**
 * `BsonRpc`: the same symmetric peer with BSON documents on the wire,
 * wire-compatible with Python bsonrpc's `BSONRpc`. No batches.
 */
import type { Duplex } from 'node:stream';
import { BsonCodec } from '../codec/bson';
import { resolveFraming } from '../framing';
import type { Transport } from '../transport/transport';
import type { BsonRpcOptions } from './options';
import { RpcPeer } from './peer';

/** The codec of every peer without a `codec` option: it holds no state, so one serves all connections. */
let plainBson: BsonCodec | undefined;

/**
 * `Date`, `Buffer` and `bigint` travel as BSON datetime, binary and int64.
 * A document that does not parse closes the connection (BSON cannot
 * resynchronise).
 */
export class BsonRpc extends RpcPeer {
  /**
   * @param socket - a Duplex (documents are self-delimiting on it), or a
   *   message {@link Transport} carrying one document per binary message.
   *   The peer owns it and ends it on `close()`.
   * @param services - an instance of a `@serviceClass` class, or nothing for a peer that only calls.
   * @param options - see {@link BsonRpcOptions}.
   */
  constructor(socket: Duplex | Transport, services?: object | null, options: BsonRpcOptions = {}) {
    super(socket, services, options, options.codec === undefined ? (plainBson ??= new BsonCodec()) : new BsonCodec(options.codec), resolveFraming('bson'));
  }
}

// Untyped code that calls batchCall on a BSON peer gets a clear TypeError
// instead of "batchCall is not a function"; the type has no such member.
Object.defineProperty(BsonRpc.prototype, 'batchCall', {
  value: function batchCall(this: RpcPeer, ...args: Parameters<RpcPeer['sendBatch']>) {
    return this.sendBatch(...args);
  },
  enumerable: false,
});
