/**
 * The minimal example of Python bsonrpc's README, ported: a TCP server
 * whose `ServerServices.swapper` reverses a string, and a client that calls
 * it through a peer proxy.
 *
 * Run it alone with `npx ts-node samples/minimal.ts`. In your own code,
 * import from 'bsonrpc' instead of '../lib'.
 */
import * as net from 'node:net';
import { once } from 'node:events';
import { JsonRpc, request, serviceClass } from '../lib';

// #region server
// Class providing functions for the client to use:
@serviceClass
class ServerServices {
  @request
  swapper(txt: string): string {
    return [...txt].reverse().join('');
  }
}

// Quick-and-dirty TCP server: one JsonRpc per accepted connection.
function startServer(): net.Server {
  return net.createServer((socket) => new JsonRpc(socket, new ServerServices())).listen(0, '127.0.0.1');
}
// #endregion

/** Starts the server, calls it once, closes everything; resolves to the result. */
export async function main(log: (line: string) => void = console.log): Promise<string> {
  const tcpServer = startServer();
  await once(tcpServer, 'listening');
  const { port } = tcpServer.address() as net.AddressInfo;
  try {
    // #region client
    // Cut-the-corners TCP client:
    const socket = net.connect(port, '127.0.0.1');
    const rpc = new JsonRpc(socket);
    const server = rpc.getPeerProxy<ServerServices>();
    // Execute in server:
    const result = await server.swapper('Hello World!');
    // "!dlroW olleH"
    log(result);
    rpc.close(); // closes the socket too
    // #endregion
    return result;
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
