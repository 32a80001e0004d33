/**
 * Real TCP on 127.0.0.1: a net.Server giving each connection its own peer
 * and services, several clients at once, callbacks during a request, closes
 * from either side, a 1 MiB payload and join().
 */
import { once } from 'node:events';
import net from 'node:net';
import { ConnectionClosedError, notification, request, rpcRequest, RpcContext, RpcPeer, serviceClass } from '../../lib';
import { LogSink, logSink } from '../helpers/log-sink';
import { makePeer } from '../helpers/pair';
import { until } from '../helpers/wait';

@serviceClass
class ServerServices {
  private count = 0;
  @request swapper(txt: string) {
    return [...txt].reverse().join('');
  }
  @request echo(value: unknown) {
    return value;
  }
  @request counter() {
    return ++this.count;
  }
  @rpcRequest async longProcess(rpc: RpcContext, a: number, b: number, c: number) {
    rpc.invokeNotification('reportProgress', 'Stage 1');
    rpc.getPeerProxy().n.reportProgress('Stage 2');
    const swapped = await rpc.getPeerProxy().swapper('TestinG');
    return [a * b * c, swapped];
  }
  @rpcRequest who(rpc: RpcContext) {
    return rpc.clientInfo;
  }
  @rpcRequest quit(rpc: RpcContext) {
    rpc.closeAfterResponse();
    return 'bye';
  }
  @rpcRequest async hang(rpc: RpcContext) {
    await new Promise((resolve) => rpc.signal.addEventListener('abort', resolve, { once: true }));
    return 'never sent';
  }
}

@serviceClass
class ClientServices {
  progress: string[] = [];
  @request swapper(txt: string) {
    return [...txt].reverse().join('');
  }
  @request echo(value: unknown) {
    return value;
  }
  @notification reportProgress(msg: string) {
    this.progress.push(msg);
  }
}

describe.each(['json', 'bson'] as const)('%s over TCP', (kind) => {
  let server: net.Server;
  let port: number;
  let serverPeers: RpcPeer[];
  /** The server's peer of each connection, by the client's local port. */
  let byClientPort: Map<number, RpcPeer>;
  let sockets: net.Socket[];
  let clients: RpcPeer[];
  let logs: LogSink;

  beforeEach(async () => {
    serverPeers = [];
    byClientPort = new Map();
    sockets = [];
    clients = [];
    logs = logSink('warn');
    server = net.createServer((socket) => {
      sockets.push(socket);
      const clientInfo = { remotePort: socket.remotePort };
      const peer = makePeer(kind, socket, new ServerServices(), { logger: logs.logger, connectionId: `s${serverPeers.length}`, clientInfo });
      serverPeers.push(peer);
      byClientPort.set(socket.remotePort!, peer);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    // Nothing in these scenarios is worth a warning.
    expect(logs.warnings()).toEqual([]);
    for (const peer of [...clients, ...serverPeers]) peer.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  async function connect(services: object = new ClientServices()): Promise<{ peer: RpcPeer; socket: net.Socket; server: RpcPeer }> {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    await once(socket, 'connect');
    const peer = makePeer(kind, socket, services, { logger: logs.logger, connectionId: `c${clients.length}` });
    clients.push(peer);
    await until(() => byClientPort.has(socket.localPort!), 'the server to accept', 5000);
    return { peer, socket, server: byClientPort.get(socket.localPort!)! };
  }

  test('several clients in parallel, each with its own server-side services and clientInfo', async () => {
    const conns = await Promise.all(Array.from({ length: 5 }, () => connect()));
    const results = await Promise.all(
      conns.map(async ({ peer, socket }, i) => ({
        swapped: await peer.invokeRequest('swapper', `client${i}`),
        counts: [await peer.invokeRequest('counter'), await peer.invokeRequest('counter')],
        who: await peer.invokeRequest('who'),
        port: socket.localPort,
      })),
    );
    results.forEach((r, i) => {
      expect(r.swapped).toBe([...`client${i}`].reverse().join(''));
      expect(r.counts).toEqual([1, 2]);
      expect(r.who).toEqual({ remotePort: r.port });
    });
    expect(serverPeers).toHaveLength(5);
  });

  test('callbacks into the client in the middle of a request, on many connections at once', async () => {
    const services = Array.from({ length: 4 }, () => new ClientServices());
    const conns = await Promise.all(services.map((s) => connect(s)));
    const answers = await Promise.all(conns.map(({ peer }, i) => peer.getPeerProxy().longProcess(i + 1, 2, 3)));
    expect(answers).toEqual([1, 2, 3, 4].map((i) => [i * 6, 'GnitseT']));
    for (const s of services) expect(s.progress).toEqual(['Stage 1', 'Stage 2']);
  });

  test('the server closing one connection: that client closes, its pending request rejects, others go on', async () => {
    const other = await connect();
    const { peer, server: serverPeer } = await connect();
    const pending = peer.invokeRequest('hang').catch((e: unknown) => e);
    await until(() => serverPeer.stats().runningHandlers === 1, 'the handler to start', 5000);
    const closed = once(peer, 'close');
    serverPeer.close();
    expect(await pending).toBeInstanceOf(ConnectionClosedError);
    await closed;
    expect(peer.isClosed).toBe(true);
    expect(await serverPeer.join(1000)).toBe(true);
    await expect(peer.invokeRequest('swapper', 'x')).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await other.peer.invokeRequest('swapper', 'still here')).toBe('ereh llits');
    expect(other.peer.isClosed).toBe(false);
  });

  test('closeAfterResponse over TCP: the answer arrives, then the connection closes', async () => {
    const { peer, server: serverPeer } = await connect();
    const closed = once(peer, 'close');
    expect(await peer.invokeRequest('quit')).toBe('bye');
    await closed;
    await until(() => serverPeer.isClosed, 'the server side to close', 5000);
    expect(await serverPeer.join(1000)).toBe(true);
  });

  test('the client closing: the server side closes, its handler sees the signal, and join resolves', async () => {
    const { peer, server: serverPeer } = await connect();
    const pending = peer.invokeRequest('hang').catch((e: unknown) => e);
    await until(() => serverPeer.stats().runningHandlers === 1, 'the handler to start', 5000);
    const serverClosed = once(serverPeer, 'close');
    expect(await serverPeer.join(20)).toBe(false);
    peer.close();
    expect(await pending).toBeInstanceOf(ConnectionClosedError);
    await serverClosed;
    expect(await serverPeer.join(1000)).toBe(true);
    expect(await peer.join(1000)).toBe(true);
  });

  test('a 1 MiB payload both ways', async () => {
    const { peer, server: serverPeer } = await connect();
    const big = 'x'.repeat(1024 * 1024 - 7) + 'ünïcød';
    expect(await peer.invokeRequest('echo', big)).toBe(big);
    const blob = Buffer.alloc(1024 * 1024, 7);
    const back = await serverPeer.invokeRequest('echo', kind === 'bson' ? blob : blob.toString('base64'));
    if (kind === 'bson') expect(Buffer.compare(back as Buffer, blob)).toBe(0);
    else expect(back).toBe(blob.toString('base64'));
  });
});
