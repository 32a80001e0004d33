/**
 * The "example with more features" of Python bsonrpc's README, ported:
 * the server's `longProcess` reports progress to the client twice (once
 * with `rpc.invokeNotification`, once through a peer proxy's `.n`), calls
 * back into the client's `swapper` in the middle of the request, and
 * returns a*b*c. The client also sends a batch and a notification.
 *
 * Run it alone with `npx ts-node samples/full.ts`.
 */
import * as net from 'node:net';
import { once } from 'node:events';
import { JsonRpc, notification, request, rpcNotification, rpcRequest, RpcContext, serviceClass } from '../lib';

type Log = (line: string) => void;

// #region server
@serviceClass
class ServerServices {
  constructor(private readonly log: Log) {}

  @request
  echoTimes(txt: string, n: number): string {
    return txt.repeat(n);
  }

  @rpcRequest
  async longProcess(rpc: RpcContext, a: number, b: number, c: number): Promise<number> {
    this.log(`server: longProcess called by ${String(rpc.clientInfo)}`);
    // 2 ways to send notifications:
    rpc.invokeNotification('reportProgress', 'Stage 1');
    const client = rpc.getPeerProxy<ClientServices>();
    client.n.reportProgress('Stage 2');
    // Make a request to the client, why not:
    const result = await client.swapper('TestinG');
    this.log(`server: client.swapper('TestinG') -> ${result}`); // "GnitseT"
    return a * b * c;
  }

  @rpcNotification
  goodbye(rpc: RpcContext, who: string): void {
    this.log(`server: ${who} at ${String(rpc.clientInfo)} says goodbye`);
  }
}
// #endregion

// #region client-services
@serviceClass
class ClientServices {
  readonly progress: string[] = [];
  constructor(private readonly log: Log) {}

  @request
  swapper(txt: string): string {
    return [...txt].reverse().join('');
  }

  @notification
  reportProgress(txt: string): void {
    this.progress.push(txt);
    this.log(`Msg from server: ${txt}`);
  }
}
// #endregion

/** What the sample observed, for its test. */
export interface FullResult {
  batch: unknown[] | null;
  product: number;
  progress: string[];
  serverLog: string[];
}

/** Runs the server and one client; closes both. */
export async function main(log: Log = console.log): Promise<FullResult> {
  const serverLog: string[] = [];
  const serverSays: Log = (line) => {
    serverLog.push(line);
    log(line);
  };
  const peers: JsonRpc[] = [];
  // #region tcp-server
  const tcpServer = net.createServer((socket) => {
    const clientInfo = `${socket.remoteAddress}:${socket.remotePort}`;
    peers.push(new JsonRpc(socket, new ServerServices(serverSays), { clientInfo }));
  });
  // #endregion
  tcpServer.listen(0, '127.0.0.1');
  await once(tcpServer, 'listening');
  const { port } = tcpServer.address() as net.AddressInfo;

  try {
    const services = new ClientServices(log);
    // #region client
    const rpc = new JsonRpc(net.connect(port, '127.0.0.1'), services);
    // Batch call: one JSON-RPC batch, the results in request order.
    const batch = await rpc.batchCall((b) => {
      b.echoTimes('-hello-', 2);
      b.echoTimes('-world-', 1);
    });
    log(JSON.stringify(batch)); // ["-hello--hello-","-world-"]
    const server = rpc.getPeerProxy<ServerServices>();
    const product = await server.longProcess(2, 3, 4);
    // -> Msg from server: Stage 1
    // -> Msg from server: Stage 2
    log(String(product)); // 24
    server.n.goodbye('the client'); // a notification: no answer
    rpc.close();
    // #endregion
    // join() resolves once the server side has seen the close and its handlers finished.
    await Promise.all(peers.map((peer) => peer.join(2000)));
    return { batch, product, progress: services.progress, serverLog };
  } finally {
    await new Promise((resolve) => tcpServer.close(resolve));
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
