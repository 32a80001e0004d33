/**
 * Cancellation that reaches the handler: the caller's timeout (or abort
 * signal) rejects at once and sends `$/cancelRequest`; the handler's signal
 * aborts, so the work stops on the other side too.
 *
 * Run it alone with `npx ts-node samples/cancellation.ts`.
 */
import { currentContext, listen, connect, request, RequestCancelled, ResponseTimeout, rpcRequest, RpcContext, serviceClass } from '../lib';

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

// #region server
@serviceClass
class Cruncher {
  stopped: string[] = [];

  @rpcRequest
  async crunch(rpc: RpcContext, steps: number): Promise<number> {
    let done = 0;
    while (done < steps && !rpc.signal.aborted) {
      await tick(); // one slice of real work
      done++;
    }
    if (rpc.signal.aborted) this.stopped.push(`crunch stopped after ${done} steps: ${(rpc.signal.reason as RequestCancelled).data}`);
    return done;
  }

  // A plain handler reaches its call's signal through currentContext(), read before the first await.
  @request
  async count(to: number): Promise<number> {
    const { signal } = currentContext()!;
    let n = 0;
    while (n < to && !signal.aborted) {
      await tick();
      n++;
    }
    if (signal.aborted) this.stopped.push(`count stopped at ${n}`);
    return n;
  }
}
// #endregion

/** Starts a server, gives up on two long calls, and shows both handlers stopping. */
export async function main(log: (line: string) => void = console.log): Promise<string[]> {
  const cruncher = new Cruncher();
  const server = await listen('tcp://127.0.0.1:0', () => cruncher);
  // #region client
  const client = await connect(server.url);
  try {
    await client.sendRequest('crunch', [1000], { timeout: 50 });
  } catch (err) {
    log(`client: ${(err as ResponseTimeout).message}`);
  }
  const stop = new AbortController();
  setTimeout(() => stop.abort(new Error('user pressed cancel')), 30);
  await client.sendRequest('count', [1000], { signal: stop.signal }).catch((err: Error) => log(`client: ${err.message}`));
  // #endregion
  while (cruncher.stopped.length < 2) await tick();
  for (const line of cruncher.stopped) log(`server: ${line}`);
  client.close();
  await server.close();
  return cruncher.stopped;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
