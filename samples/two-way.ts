/**
 * A two-way service in ten lines: the server answers a request by first
 * asking its caller a question. Both sides serve, both sides call.
 *
 * Run it alone with `npx ts-node samples/two-way.ts`. In your own code,
 * import from 'bsonrpc' instead of '../lib'.
 */
// #region services
import { createDuplexPair, JsonRpc, request, rpcRequest, RpcContext, serviceClass } from '../lib';

@serviceClass
class Greeter {
  @rpcRequest async greet(rpc: RpcContext, name: string) {
    const title = await rpc.getPeerProxy<Visitor>().titleOf(name); // ask the caller back
    return `Hello, ${title} ${name}!`;
  }
}

@serviceClass
class Visitor {
  @request titleOf(name: string) { return name === 'Ada' ? 'Countess' : 'dear'; }
}
// #endregion

export async function main(log = console.log): Promise<string> {
  // #region connect
  const [a, b] = createDuplexPair(); // or a net.Socket, a TLS socket, stdio...
  const server = new JsonRpc(a, new Greeter());
  const client = new JsonRpc(b, new Visitor());
  const greeting = await client.getPeerProxy<Greeter>().greet('Ada'); // "Hello, Countess Ada!"
  // #endregion
  log(greeting);
  const again = await client.getPeerProxy<Greeter>().greet('Bob');
  client.close();
  await server.join(2000);
  return again;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
