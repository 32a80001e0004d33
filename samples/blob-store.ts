/**
 * BSON-RPC sample: a server that stores binary blobs with their timestamps,
 * and a client that uploads a 5 MB Buffer and reads it back byte-identical.
 * Buffers travel as BSON binary and Dates as BSON datetime: no base64, no
 * ISO strings.
 *
 * Run: npx ts-node samples/blob-store.ts
 */
import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer, connect, Socket } from 'node:net';
import { once } from 'node:events';
import { BsonRpc, InvalidParams, request, serviceClass } from '../lib';

// #region service
/** What the store keeps per blob. */
interface Blob {
  data: Buffer;
  storedAt: Date;
}

@serviceClass
export class BlobStore {
  private readonly blobs = new Map<string, Blob>();

  /** Stores a blob; answers when it was stored (a Date travels as BSON datetime). */
  @request put(name: string, data: Buffer): Date {
    if (!Buffer.isBuffer(data)) throw new InvalidParams('data must be binary');
    const storedAt = new Date();
    this.blobs.set(name, { data, storedAt });
    return storedAt;
  }

  /** The blob and its timestamp, or null. */
  @request get(name: string): Blob | null {
    return this.blobs.get(name) ?? null;
  }

  /** Names, sizes and timestamps of everything stored. */
  @request list(): { name: string; size: number; storedAt: Date }[] {
    return [...this.blobs].map(([name, b]) => ({ name, size: b.data.length, storedAt: b.storedAt }));
  }
}
// #endregion service

/** The remote side as the client sees it. */
type Store = BlobStore;

/** Runs server and client on an ephemeral port; returns what the client saw. */
export async function main(size = 5 * 1024 * 1024, log: (line: string) => void = console.log) {
  const store = new BlobStore(); // one store shared by every connection
  const server = createServer((socket) => new BsonRpc(socket, store));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  // #region client
  const socket: Socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const rpc = new BsonRpc(socket);
  const remote = rpc.getPeerProxy<Store>();

  const upload = randomBytes(size);
  const storedAt = await remote.put('photo.raw', upload);
  const back = await remote.get('photo.raw');
  const identical = back !== null && Buffer.isBuffer(back.data) && back.data.equals(upload);
  // #endregion client
  log(`stored ${upload.length} bytes at ${storedAt.toISOString()} (a ${storedAt.constructor.name})`);
  log(`read back ${back?.data.length} bytes: ${identical ? 'byte-identical' : 'DIFFERENT'}`);
  const listing = await remote.list();
  log(`listing: ${JSON.stringify(listing.map((b) => ({ ...b, storedAt: b.storedAt.toISOString() })))}`);

  rpc.close();
  server.close();
  return { identical, size: back?.data.length ?? 0, storedAt, readBackStoredAt: back?.storedAt, listing };
}

if (require.main === module) {
  main().then(
    (r) => process.exit(r.identical ? 0 : 1),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
