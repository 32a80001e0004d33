/** Reads what a peer wrote, straight off the other end of its socket. */
import type { Duplex } from 'node:stream';
import { deserialize } from 'bson';
import type { PeerKind } from './pair';

/** Decodes every message written to the other end of `socket` (rfc7464 JSON or BSON). */
export function tap(kind: PeerKind, socket: Duplex): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (kind === 'json') {
        const end = buf.indexOf(0x0a);
        if (end < 0) return;
        out.push(JSON.parse(buf.subarray(1, end).toString('utf8')));
        buf = buf.subarray(end + 1);
      } else {
        if (buf.length < 4 || buf.length < buf.readInt32LE(0)) return;
        const n = buf.readInt32LE(0);
        out.push(deserialize(buf.subarray(0, n)));
        buf = buf.subarray(n);
      }
    }
  });
  return out;
}
