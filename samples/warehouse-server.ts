/**
 * Pyro's warehouse across processes, part 1 of 3: the warehouse server.
 * It listens on a free port and registers itself with the name server as
 * `example.warehouse`, so visitors find it by name, not by address (Pyro4's
 * `ns.register("example.warehouse", uri)`).
 *
 *   npm run sample:warehouse               (all three processes, see warehouse-processes.ts)
 *   npx ts-node samples/warehouse-server.ts   (this one; the name server from $BSONRPC_NS)
 *
 * The Warehouse class is samples/warehouse.ts's, exported here too, so `bsonrpc serve samples/warehouse-server.ts:Warehouse
 * --listen tcp://127.0.0.1:0 --register example.warehouse` serves it too.
 */
import { DEFAULT_NS_URL, listen, Server } from '../lib';
import { Warehouse } from './warehouse';

// The same Warehouse as the single-process sample, re-exported so that
// `bsonrpc serve samples/warehouse-server.ts:Warehouse` finds it here.
export { Warehouse };

/** Serves one Warehouse to every visitor and registers it with the name server at `ns`. */
export async function main(ns: string = process.env.BSONRPC_NS || DEFAULT_NS_URL, log: (line: string) => void = console.log): Promise<Server> {
  const warehouse = new Warehouse(log);
  // #region register
  const server = await listen('tcp://127.0.0.1:0', () => warehouse, {
    register: { name: 'example.warehouse', ns }, // unregistered again by server.close()
  });
  // #endregion
  log(`Warehouse ready at ${server.url}, registered as example.warehouse`);
  return server;
}

if (require.main === module) {
  main().then(
    (server) => process.once('SIGTERM', () => void server.close()),
    (err: Error) => {
      console.error(err.message);
      process.exitCode = 3;
    },
  );
}
