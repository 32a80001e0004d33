/** Reads what a peer wrote, straight off the other end of its socket. */
import type { Duplex } from 'node:stream';
import { deserialize } from 'bson';
import { resolveFraming } from '../../lib/framing';
import type { PeerKind } from './pair';

/**
 * Decodes every message written to the other end of `socket` (rfc7464 JSON
 * or BSON), with the library's own decoders, as `RawEnd` does: a malformed
 * frame fails the test instead of being parsed leniently.
 */
export function tap(kind: PeerKind, socket: Duplex): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  const decoder = resolveFraming(kind === 'json' ? 'rfc7464' : 'bson').createDecoder({ maxMessageSize: Infinity });
  socket.on('data', (chunk: Buffer) =>
    decoder.push(chunk, (payload) => out.push(kind === 'json' ? JSON.parse(payload.toString('utf8')) : deserialize(payload))),
  );
  return out;
}
