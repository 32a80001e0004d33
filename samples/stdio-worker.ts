/**
 * A parent drives a worker child over the child's stdin/stdout: the parent
 * starts it with `spawnPeer`, the child serves with `stdioPeer`. Either side
 * calls the other: the worker reports progress back to the parent while it
 * works. Closing the parent's peer ends the child's stdin, and the child
 * exits by itself. The child's stderr is the parent's: logs stay readable.
 *
 * Run it alone with `npx ts-node samples/stdio-worker.ts`; it starts this
 * same file again as the child (with `--worker`).
 * In your own code, import from 'bsonrpc' instead of '../lib'.
 */
import { once } from 'node:events';
import { notification, request, rpcRequest, RpcContext, serviceClass, spawnPeer, stdioPeer } from '../lib';

type Log = (line: string) => void;

// #region worker
/** What the worker child offers its parent. */
@serviceClass
class Worker {
  @rpcRequest
  async sumOfSquares(rpc: RpcContext, numbers: number[]): Promise<number> {
    let sum = 0;
    for (const [i, n] of numbers.entries()) {
      sum += n * n;
      rpc.invokeNotification('progress', `${i + 1}/${numbers.length}`); // tell the parent how far we are
    }
    return sum;
  }

  @request
  whoAreYou(): string {
    return `worker pid ${process.pid}`;
  }
}

function runWorker(): void {
  // stdout is the transport from here on: log to stderr only (bsonrpc does).
  stdioPeer(new Worker());
}
// #endregion

// #region parent
/** What the parent offers the worker: a place to report progress. */
@serviceClass
class Parent {
  readonly steps: string[] = [];
  @notification
  progress(step: string): void {
    this.steps.push(step);
  }
}
// #endregion

/** Starts the worker, asks it for a sum of squares, then lets it go. */
export async function main(log: Log = console.log): Promise<{ who: string; sum: number; progress: string[]; exitCode: number | null }> {
  // This very file, started again through ts-node, as the worker.
  const args = ['-r', require.resolve('ts-node/register'), __filename, '--worker'];
  const env = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' };
  const parent = new Parent();
  // #region spawn
  const worker = await spawnPeer(process.execPath, args, parent, { spawn: { env }, timeout: 20_000 });
  const who = String(await worker.invokeRequest('whoAreYou'));
  const sum = Number(await worker.invokeRequest('sumOfSquares', [1, 2, 3, 4]));
  worker.close(); // ends the worker's stdin: it closes its peer and exits
  // #endregion
  const [exitCode] = (await once(worker.child, 'exit')) as [number | null];
  log(`${who} says the sum of squares of 1..4 is ${sum}`);
  log(`progress reported: ${parent.steps.join(', ')}`);
  log(`worker exited with code ${exitCode}`);
  return { who, sum, progress: parent.steps, exitCode };
}

if (process.argv.includes('--worker')) {
  runWorker();
} else if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
