import * as net from 'node:net';
import { JsonRpc, request, serviceClass } from 'bsonrpc';
import type { Greeter } from './server.js';

@serviceClass
class Visitor {
  @request
  titleOf(name: string): string {
    return name === 'Ada' ? 'Countess' : 'dear';
  }
}

const socket = net.connect(Number(process.env.PORT ?? 7000), '127.0.0.1');
const rpc = new JsonRpc(socket, new Visitor());
const server = rpc.getPeerProxy<Greeter>();
console.log(await server.add(2, 3)); // 5
console.log(await server.greet('Ada')); // Hello, Countess Ada!
rpc.close(); // closes the socket too
