/**
 * Calling the other side: proxies (untyped, typed, with explicit name
 * lists), timeouts, abort signals, batches, closing and joining, and the
 * two dispatch modes.
 *
 * Run it alone with `npx ts-node samples/calls.ts`.
 */
import {
  BatchBuilder,
  createDuplexPair,
  JsonRpc,
  JsonRpcOptions,
  notification,
  request,
  rpcRequest,
  RpcContext,
  RpcError,
  serviceClass,
} from '../lib';

@serviceClass
class Worker {
  readonly finished: number[] = [];
  readonly logged: string[] = [];

  @request
  add(a: number, b: number): number {
    return a + b;
  }

  @request
  async sleep(ms: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.finished.push(ms);
    return ms;
  }

  @notification
  log(message: string): void {
    this.logged.push(message);
  }

  // #region signal-in-handler
  @rpcRequest
  async waitForever(rpc: RpcContext): Promise<string> {
    // rpc.signal aborts when the connection closes: long work can stop there.
    await new Promise((resolve) => rpc.signal.addEventListener('abort', resolve, { once: true }));
    return 'stopped'; // nobody will read this: the connection is gone
  }
  // #endregion

  @rpcRequest
  goodbye(rpc: RpcContext): string {
    rpc.closeAfterResponse(); // the answer is sent, then the connection closes
    return 'bye';
  }
}

/** A linked pair of peers over memory: `server` serves a Worker, `client` calls it. */
function connect(options: JsonRpcOptions = {}) {
  const [a, b] = createDuplexPair();
  const worker = new Worker();
  const server = new JsonRpc(a, worker, options);
  const client = new JsonRpc(b, null, options);
  return { worker, server, client };
}

/** The error's class name, or the value: what a call gave. */
async function outcome(call: Promise<unknown>): Promise<unknown> {
  try {
    return await call;
  } catch (err) {
    return err instanceof RpcError ? err.name : String(err);
  }
}

/** Runs every kind of call; returns what each gave, for the test. */
export async function main(log: (line: string) => void = console.log): Promise<Record<string, unknown>> {
  const seen: Record<string, unknown> = {};
  const record = (label: string, value: unknown): void => {
    seen[label] = value;
    log(`${label.padEnd(30)} ${JSON.stringify(value)}`);
  };
  const { worker, server, client } = connect();

  // #region proxies
  const untyped = client.getPeerProxy(); // any name goes
  record('untyped proxy add', await untyped.add(1, 2));
  const typed = client.getPeerProxy<Worker>(); // checked against Worker's methods
  record('typed proxy sleep', await typed.sleep(1));
  typed.n.log('sent as a notification');
  // Python bsonrpc's style: names listed as requests or notifications.
  const listed = client.getPeerProxy({ requests: ['add'], notifications: ['log'] });
  record('listed proxy add', await listed.add(2, 3));
  listed.log('a notification, by the list');
  // #endregion

  // #region timeouts
  const patient = client.getPeerProxy<Worker>({ timeout: 1000 }); // every request through this proxy
  record('sleep(5), 1000 ms timeout', await outcome(patient.sleep(5)));
  record('sleep(200), 20 ms timeout', await outcome(client.sendRequest('sleep', [200], { timeout: 20 })));
  const aborter = new AbortController();
  const call = client.sendRequest('sleep', [200], { signal: aborter.signal });
  aborter.abort(new Error('the user pressed cancel'));
  record('sleep(200), aborted', await outcome(call));
  // #endregion

  // #region batches
  const sums = await client.batchCall((b) => {
    b.add(1, 1);
    b.add(2, 2);
    b.n.log('in the batch');
  });
  record('batch, callback form', sums);
  const batch = new BatchBuilder().request('add', [3, 3]).request('nope').notification('log', ['built']);
  record('batch, builder form', (await client.batchCall(batch))?.map((r) => (r instanceof Error ? r.name : r)));
  record('batch of notifications', await client.batchCall((b) => b.n.log('only a notification')));
  // #endregion

  // #region close-join
  const hanging = client.sendRequest('waitForever');
  await new Promise((resolve) => setTimeout(resolve, 10)); // let it reach the server
  client.close(); // pending calls reject with ConnectionClosedError
  record('pending call at close', await outcome(hanging));
  record('call after close', await outcome(client.invokeRequest('add', 1, 2)));
  record('server joined', await server.join(2000)); // closed, and every handler finished
  // #endregion
  record('notifications the server saw', worker.logged);

  const other = connect();
  record('goodbye()', await other.client.invokeRequest('goodbye'));
  record('closed after goodbye', await other.client.join(2000));

  // #region dispatch-modes
  for (const concurrentRequestHandling of [true, false]) {
    const { worker, server, client } = connect({ concurrentRequestHandling });
    await Promise.all([client.invokeRequest('sleep', 60), client.invokeRequest('sleep', 5)]);
    // true: the 5 ms call finishes first; false: one at a time, in arrival order.
    record(`concurrent=${concurrentRequestHandling} finished`, worker.finished);
    client.close();
    await server.join(2000);
  }
  // #endregion

  return seen;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
