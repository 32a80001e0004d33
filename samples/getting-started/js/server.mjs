import * as net from 'node:net';
import { defineService, JsonRpc, rpcRequest } from 'bsonrpc';

const greeter = defineService({
  add(a, b) {
    return a + b;
  },
  greet: rpcRequest(async (rpc, name) => {
    const title = await rpc.getPeerProxy().titleOf(name); // ask the caller back
    return `Hello, ${title} ${name}!`;
  }),
});

// One JsonRpc peer per accepted connection, all sharing the greeter.
const server = net.createServer((socket) => new JsonRpc(socket, greeter));
server.listen(Number(process.env.PORT ?? 7000), '127.0.0.1', () => {
  console.log(`listening on port ${server.address().port}`);
});
