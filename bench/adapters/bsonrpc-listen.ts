/**
 * bsonrpc served through its public `listen('tcp://127.0.0.1:0', …)`, as a
 * real server is (per-connection logger, keepalive, maxConnections), for the
 * scale workloads; `workers` (the `cores` rows) makes it a cluster.
 * Variant = framing ('ndjson', 'rfc7464') or 'bson'. The client end is the
 * same raw-socket peer as the TCP rows' (bsonrpc.ts), plus a `tick(stamp)`
 * notification handler for `fanout`.
 *
 * Fan-out uses `server.broadcast('tick', [stamp])` when the Server has it
 * (encodes once for every receiver) and otherwise loops over
 * `server.connections` with `invokeNotification`; broadcast() says which.
 */
import { listen, type Server } from '../../lib';
import type { Adapter, BenchServer, ServeOptions } from '../types';
import { Bench, connect } from './bsonrpc';

/** The Server with the `broadcast` another change adds; optional so this builds before and after it. */
type MaybeBroadcast = Server & { broadcast?: (method: string, params?: unknown[]) => number };

const query = (variant: string): string => (variant === 'bson' ? 'protocol=bson' : `framing=${variant}`);

/** Fans `method(...params)` out to every connection of `server`, by the fastest path it has; returns the path's name. */
export function fanOut(server: MaybeBroadcast, method: string, params: unknown[]): string {
  if (typeof server.broadcast === 'function') {
    server.broadcast(method, params);
    return 'server.broadcast';
  }
  for (const rpc of server.connections) rpc.invokeNotification(method, ...params);
  return 'invokeNotification loop';
}

async function startServer(port: number, variant = 'ndjson', options: ServeOptions = {}): Promise<BenchServer> {
  const services = new Bench();
  const server: MaybeBroadcast = await listen(`tcp://127.0.0.1:${port}?${query(variant)}`, () => services, { workers: options.workers });
  server.on('error', (e: unknown) => process.stderr.write(`bsonrpc server: ${String(e)}\n`));
  return {
    port: Number(new URL(server.url).port),
    close: async () => void (await server.close({ timeout: 1000 })),
    broadcast: (method, params) => fanOut(server, method, params),
  };
}

/** bsonrpc through `listen` (variant = framing or 'bson'). */
export const adapter: Adapter = { startServer, connect };
