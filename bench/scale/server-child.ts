/**
 * The server process of a scale row, forked by scale/run.ts with
 * --expose-gc and driven over IPC: `serve`, then `usage` (optionally after
 * a full gc, for heap per connection) and `broadcast` until `exit`.
 *
 * With `workers` (the cores rows) bsonrpc's `listen` makes this process a
 * cluster primary that forks this same file; a worker finds what to serve in
 * BENCH_SCALE_SERVE and calls `listen` the same way, as docs/deployment.md
 * asks, and leaves the IPC channel to the cluster.
 */
import * as path from 'path';
import { answerParent, exitOnUnhandledRejection } from '../child-ipc';
import type { Adapter, BenchServer } from '../types';
import type { BroadcastResult, ServerRequest, ServerUsage } from './types';

let server: BenchServer | undefined;

function load(module: string): Adapter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, '..', 'adapters', module)) as { adapter: Adapter }).adapter;
}

const gc = (globalThis as { gc?: () => void }).gc;

function usage(collect: boolean): ServerUsage {
  if (collect) {
    if (!gc) throw new Error('server child needs --expose-gc');
    gc();
    gc();
  }
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, cpuUs: cpu.user + cpu.system };
}

const stamp = (): number => performance.timeOrigin + performance.now();

/** `count` broadcasts of `tick(stamp)`, yielding between them so the sockets drain as the loop produces. */
async function broadcast(count: number): Promise<BroadcastResult> {
  if (!server?.broadcast) throw new Error('this adapter cannot broadcast');
  const start = stamp();
  let how = server.broadcast('tick', [start]);
  for (let i = 1; i < count; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    how = server.broadcast('tick', [stamp()]);
  }
  return { start, path: how };
}

async function handle(msg: ServerRequest | { op: 'exit' }): Promise<unknown> {
  switch (msg.op) {
    case 'serve': {
      process.env.BENCH_SCALE_SERVE = JSON.stringify(msg);
      server = await load(msg.module).startServer(0, msg.variant, { workers: msg.workers });
      return server.port;
    }
    case 'usage':
      return usage(msg.gc);
    case 'broadcast':
      return broadcast(msg.count);
    case 'exit':
      await server?.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

if (process.env.BSONRPC_CLUSTER_WORKER === '1' && process.env.BENCH_SCALE_SERVE) {
  // A cluster worker of a cores row: serve as the primary did; the cluster owns IPC and exit.
  const msg = JSON.parse(process.env.BENCH_SCALE_SERVE) as Extract<ServerRequest, { op: 'serve' }>;
  load(msg.module)
    .startServer(0, msg.variant, { workers: msg.workers })
    .catch((err: unknown) => {
      process.stderr.write(`bench scale worker ${process.pid}: ${String(err)}\n`);
      process.exit(1);
    });
} else {
  answerParent<ServerRequest & { id: number }>(handle);
}
exitOnUnhandledRejection('bench scale server');
