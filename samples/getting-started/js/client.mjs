import * as net from 'node:net';
import { defineService, JsonRpc } from 'bsonrpc';

const visitor = defineService({
  titleOf(name) {
    return name === 'Ada' ? 'Countess' : 'dear';
  },
});

const socket = net.connect(Number(process.env.PORT ?? 7000), '127.0.0.1');
const rpc = new JsonRpc(socket, visitor);
const server = rpc.getPeerProxy();
console.log(await server.add(2, 3)); // 5
console.log(await server.greet('Ada')); // Hello, Countess Ada!
rpc.close(); // closes the socket too
