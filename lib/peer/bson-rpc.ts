/**
 * `BsonRpc`: the same symmetric peer with BSON documents on the wire,
 * wire-compatible with Python bsonrpc's `BSONRpc`. No batches.
 */
import type { Duplex } from 'node:stream';
import { BsonCodec } from '../codec/bson';
import { resolveFraming } from '../framing';
import type { BsonRpcOptions } from './options';
import { RpcPeer } from './peer';

/**
 * `Date`, `Buffer` and `bigint` travel as BSON datetime, binary and int64.
 * A document that does not parse closes the connection (BSON cannot
 * resynchronise).
 */
export class BsonRpc extends RpcPeer {
  /**
   * @param socket - the stream; the peer owns it and ends it on `close()`.
   * @param services - an instance of a `@serviceClass` class, or nothing for a peer that only calls.
   * @param options - see {@link BsonRpcOptions}.
   */
  constructor(socket: Duplex, services?: object | null, options: BsonRpcOptions = {}) {
    super(socket, services, options, {
      codec: new BsonCodec(options.codec),
      framing: resolveFraming('bson'),
      resyncOnDecodeError: false,
      checkNesting: false,
    });
  }
}

// Untyped code that calls batchCall on a BSON peer gets a clear TypeError
// instead of "batchCall is not a function"; the type has no such member.
Object.defineProperty(BsonRpc.prototype, 'batchCall', {
  value: function batchCall(this: { sendBatch(): never }): never {
    return this.sendBatch();
  },
  enumerable: false,
});
