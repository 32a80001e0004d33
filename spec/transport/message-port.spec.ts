/**
 * Peers over a worker_threads MessageChannel through MessagePortTransport:
 * the seam's whole-message path with a port the browser also has, both
 * in-process and to a real Worker thread.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { BsonRpc, JsonRpc, MessagePortTransport, request, rpcRequest, RpcContext, serviceClass } from '../../lib';
import { logSink } from '../helpers/log-sink';
import { closeAndJoin, until } from '../helpers/wait';

@serviceClass
class Svc {
  @request add(a: number, b: number) {
    return a + b;
  }
  @rpcRequest async greet(rpc: RpcContext, name: string) {
    return `hello ${String(await rpc.getPeerProxy().title(name))}`;
  }
}

@serviceClass
class Titles {
  @request title(name: string) {
    return `dear ${name}`;
  }
}

describe.each([
  ['json', JsonRpc],
  ['bson', BsonRpc],
] as const)('%s over a MessageChannel', (_kind, Peer) => {
  test('calls, callbacks, and close on either side reaching the other', async () => {
    const { port1, port2 } = new MessageChannel();
    const server = new Peer(new MessagePortTransport(port1), new Svc(), { logger: logSink().logger });
    const client = new Peer(new MessagePortTransport(port2), new Titles(), { logger: logSink().logger });
    expect(await client.getPeerProxy<Svc>().add(2, 3)).toBe(5);
    expect(await client.getPeerProxy<Svc>().greet('Ada')).toBe('hello dear Ada');
    await closeAndJoin(client);
    await until(() => server.isClosed, 'the server to see the port close');
    expect(await server.join(1000)).toBe(true);
  });
});

test('a message that is neither text nor bytes closes the peer with a logged reason', async () => {
  const { port1, port2 } = new MessageChannel();
  const logs = logSink();
  const server = new JsonRpc(new MessagePortTransport(port1), new Svc(), { logger: logs.logger });
  const closed = new Promise<string>((r) => server.on('close', r));
  port2.postMessage({ jsonrpc: '2.0', method: 'add', params: [1, 2], id: 1 });
  expect(await closed).toMatch(/unreadable message from the port/);
  expect(logs.warnings().some((l) => /closing the connection/.test(l.msg))).toBe(true);
  port2.close();
});

test('a JsonRpc in a Worker thread serves the main thread over a transferred port', async () => {
  const code = `
    const { workerData } = require('node:worker_threads');
    require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'commonjs', moduleResolution: 'node' } });
    const lib = require(workerData.lib);
    class Worker { square(n) { return n * n; } }
    lib.request(Worker.prototype, 'square', Object.getOwnPropertyDescriptor(Worker.prototype, 'square'));
    lib.serviceClass(Worker);
    const peer = new lib.JsonRpc(new lib.MessagePortTransport(workerData.port), new Worker());
    peer.on('close', () => process.exit(0));
  `;
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(code, { eval: true, workerData: { lib: require.resolve('../../lib'), port: port2 }, transferList: [port2] });
  try {
    const main = new JsonRpc(new MessagePortTransport(port1), null, { logger: logSink().logger, timeout: 15000 });
    expect(await main.invokeRequest('square', 12)).toBe(144);
    main.close();
  } finally {
    await worker.terminate();
  }
}, 30000);
