/**
 * Services in plain JavaScript, without decorators or a build step:
 * defineService, over TCP, with every kind of handler and a callback.
 *
 * Run it with `node samples/plain.mjs` once bsonrpc is installed (in this
 * repository: after `npm run build`, as 'bsonrpc' then names this package);
 * spec/samples/plain.spec.ts runs it against lib/ bundled on the fly.
 */
import * as net from 'node:net';
import { once } from 'node:events';
import { defineService, JsonRpc, notification, request, rpcRequest } from 'bsonrpc';

// Every function is a request handler under its own name; marked ones are
// other kinds. Values that are not functions are state, never exposed.
const calculator = defineService({
  calls: 0,
  add(a, b) {
    this.calls++;
    return a + b;
  },
  'math.pow': (base, exponent = 2) => base ** exponent, // any key is a wire name
  negate: request((x) => -x, { name: 'math.neg' }), // or name it in the mark
  log: notification((message) => console.log(`server log: ${message}`)),
  greet: rpcRequest(async (rpc, name) => {
    const title = await rpc.getPeerProxy().titleOf(name); // call the caller back
    return `Hello, ${title} ${name}!`;
  }),
});

// Or list what is exposed: other functions stay private helpers.
const visitor = defineService(
  {
    titleOf(name) {
      return this.isCountess(name) ? 'Countess' : 'dear';
    },
    isCountess(name) {
      return name === 'Ada';
    },
  },
  { requests: ['titleOf'] },
);

const tcpServer = net.createServer((socket) => new JsonRpc(socket, calculator)).listen(0, '127.0.0.1');
await once(tcpServer, 'listening');
const rpc = new JsonRpc(net.connect(tcpServer.address().port, '127.0.0.1'), visitor);
const server = rpc.getPeerProxy();

console.log(`add(2, 3) = ${await server.add(2, 3)}`);
console.log(`math.pow {base: 3} = ${await rpc.sendRequest('math.pow', { base: 3 })}`);
console.log(`math.neg(4) = ${await rpc.invokeRequest('math.neg', 4)}`);
console.log(await server.greet('Ada'));
server.n.log('a notification');
console.log(`add as a batch: ${JSON.stringify(await rpc.batchCall((b) => { b.add(1, 1); b.add(2, 2); }))}`);
console.log(`calls counted by the server: ${calculator.calls}`);
rpc.close();
tcpServer.close();
