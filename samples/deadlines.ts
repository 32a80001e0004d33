/**
 * Deadlines that travel: a client that will wait 60 ms says so in its
 * request (`sendDeadline`); a gateway hands what is left on to the worker it
 * calls; the worker stops when the client's deadline passes, although no
 * `$/cancelRequest` is ever sent here (`sendCancel: false`, as if every
 * cancel were lost on the way).
 *
 * Run it alone with `npx ts-node samples/deadlines.ts`.
 */
import { connect, listen, RequestCancelled, ResponseTimeout, rpcRequest, RpcContext, RpcPeer, serviceClass } from '../lib';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

// #region services
@serviceClass
class Worker {
  stopped: string[] = [];

  @rpcRequest
  async render(rpc: RpcContext, pages: number): Promise<number> {
    let done = 0;
    while (done < pages && !rpc.signal.aborted) {
      await tick(); // one page of real work
      done++;
    }
    if (rpc.signal.aborted) this.stopped.push(`render stopped after ${done} pages: ${(rpc.signal.reason as RequestCancelled).data}`);
    return done;
  }
}

@serviceClass
class Gateway {
  constructor(
    private readonly worker: RpcPeer,
    private readonly log: (line: string) => void,
  ) {}

  @rpcRequest
  async report(rpc: RpcContext, pages: number): Promise<number> {
    this.log(`gateway: report has ${rpc.timeLeft === undefined ? 'no deadline' : 'a deadline'}; passing it on`);
    // What is left of the client's budget, and its signal, go on to the worker.
    return (await this.worker.sendRequest('render', [pages], { timeout: rpc.timeLeft, signal: rpc.signal })) as number;
  }
}
// #endregion

/** Client → gateway → worker, three connections; returns what the worker logged. */
export async function main(log: (line: string) => void = console.log): Promise<string[]> {
  const worker = new Worker();
  const workerServer = await listen('tcp://127.0.0.1:0', () => worker);
  // #region wiring
  const options = { sendDeadline: true, sendCancel: false };
  const toWorker = await connect(workerServer.url, null, options);
  const gatewayServer = await listen('tcp://127.0.0.1:0', () => new Gateway(toWorker, log));
  const client = await connect(gatewayServer.url, null, options);
  await client.sendRequest('report', [1000], { timeout: 60 }).catch((err: ResponseTimeout) => log(`client: ${err.message}`));
  // #endregion
  while (worker.stopped.length < 1) await tick();
  for (const line of worker.stopped) log(`worker: ${line}`);
  client.close();
  toWorker.close();
  await gatewayServer.close();
  await workerServer.close();
  return worker.stopped;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
