import * as net from 'node:net';
import { JsonRpc, request, rpcRequest, RpcContext, serviceClass } from 'bsonrpc';

/** What each client offers the server in return (see client.ts). */
interface Visitor {
  titleOf(name: string): string;
}

@serviceClass
export class Greeter {
  @request
  add(a: number, b: number): number {
    return a + b;
  }

  @rpcRequest
  async greet(rpc: RpcContext, name: string): Promise<string> {
    const title = await rpc.getPeerProxy<Visitor>().titleOf(name); // ask the caller back
    return `Hello, ${title} ${name}!`;
  }
}

// One JsonRpc peer per accepted connection.
const server = net.createServer((socket) => new JsonRpc(socket, new Greeter()));
server.listen(Number(process.env.PORT ?? 7000), '127.0.0.1', () => {
  console.log(`listening on port ${(server.address() as net.AddressInfo).port}`);
});
