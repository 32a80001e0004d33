/**
 * Middleware: code around every incoming call, on a peer or on a server.
 * Here a server refuses `admin.*` to callers without the admin role (taken
 * from `clientInfo`), times every call, and counts what it sends.
 *
 * Run it alone with `npx ts-node samples/middleware.ts`.
 */
import { connect, createDuplexPair, JsonRpc, listen, PeerError, request, serviceClass } from '../lib';

@serviceClass
class Shop {
  stock = 3;
  @request('stock.get') get(): number {
    return this.stock;
  }
  @request('admin.restock') restock(n: number): number {
    return (this.stock += n);
  }
}

/** A server whose admin methods only an admin may call, with every call timed. */
export async function main(log: (line: string) => void = console.log): Promise<string[]> {
  const shop = new Shop();
  const timings: string[] = [];
  // #region server
  const server = await listen('tcp://127.0.0.1:0', () => shop);
  // The first use() is the outermost: timing wraps authorisation.
  server.use(async (call, next) => {
    const started = process.hrtime.bigint();
    try {
      return await next();
    } finally {
      timings.push(`${call.method} ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms`);
    }
  });
  server.use((call, next) => {
    const role = (call.clientInfo as { role?: string }).role;
    if (call.method.startsWith('admin.') && role !== 'admin') {
      throw new PeerError(-32001, 'Unauthorised', { method: call.method });
    }
    return next();
  });
  // #endregion
  // #region outgoing
  // A hook on every message the server sends, on every connection: here it counts answers by kind.
  const sent = { results: 0, errors: 0 };
  server.on('connection', (peer) => {
    peer.onOutgoing((message) => {
      if (!Array.isArray(message) && 'id' in message) sent[message.error === undefined ? 'results' : 'errors']++;
    });
  });
  // #endregion

  // Over TCP the server's clientInfo is the connection's info (no role): a guest.
  const guest = await connect(server.url);
  log(`guest sees stock ${String(await guest.invokeRequest('stock.get'))}`);
  await guest.invokeRequest('admin.restock', 5).catch((err: PeerError) => log(`guest restock: error ${err.code}: ${err.message}`));
  guest.close();

  // A peer of your own can carry a role in clientInfo, and take middleware too.
  // #region peer
  const [a, b] = createDuplexPair();
  const adminSide = new JsonRpc(a, shop, { clientInfo: { role: 'admin' } });
  adminSide.use((call, next) => (call.clientInfo as { role: string }).role === 'admin' ? next() : Promise.reject(new PeerError(-32001, 'Unauthorised')));
  const admin = new JsonRpc(b, null);
  log(`admin restocks to ${String(await admin.invokeRequest('admin.restock', 5))}`);
  // #endregion
  admin.close();
  adminSide.close();
  await server.close();
  log(`timed: ${timings.join(', ')}`);
  log(`server sent ${sent.results} result(s) and ${sent.errors} error(s)`);
  return timings;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
