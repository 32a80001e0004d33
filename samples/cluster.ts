/**
 * One service on several processes with node:cluster: the program calls
 * `listen(..., { workers: 2 })` the same way in every process. In the
 * primary that forks this very program twice (cluster's default is
 * `process.argv[1]`) and resolves to a Server whose `close()` stops them
 * all; in each worker it really listens, and cluster shares the port.
 * A worker that dies is replaced (and logged); SIGTERM closes gracefully.
 *
 * Run it with `npx ts-node samples/cluster.ts [tcp://127.0.0.1:7000]`
 * (default: a free port), then call `pid` a few times: different workers
 * answer. spec/net/cluster.spec.ts runs it and does exactly that.
 * In your own code, import from 'bsonrpc' instead of '../lib'.
 */
import cluster from 'node:cluster';
import { listen, request, serviceClass } from '../lib';

@serviceClass
class App {
  @request
  pid(): number {
    return process.pid;
  }

  /** Makes this worker exit, to watch the primary replace it. */
  @request
  crash(): string {
    setTimeout(() => process.exit(7), 20); // after the answer is out
    return 'crashing';
  }
}

async function main(): Promise<void> {
  // #region cluster
  // Every process runs this line: the primary forks and supervises, each worker listens.
  const server = await listen(process.argv[2] ?? 'tcp://127.0.0.1:0', () => new App(), { workers: 2 });
  if (cluster.isPrimary) {
    process.once('SIGTERM', () => {
      // Each worker stops accepting, finishes its running calls (up to 5 s) and exits.
      void server.close({ timeout: 5000 }).then((clean) => {
        process.stdout.write(`${JSON.stringify({ closed: clean })}\n`);
      });
    });
  }
  // #endregion
  if (cluster.isPrimary) process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
}

main().catch((err) => {
  process.stderr.write(`cluster sample: ${String(err)}\n`);
  process.exit(1);
});
