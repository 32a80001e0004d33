/**
 * Back-pressure over real TCP (127.0.0.1): a client that pipelines many
 * requests with large answers and never reads. The server must stop
 * starting requests once its socket's write buffer is full, stop reading
 * once too much waits, close past `maxWriteBuffer` — and keep its memory
 * flat however much the client sends, while a second, well-behaved client
 * keeps getting answers.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { JsonRpc, PeerOptions, request, serviceClass } from '../../lib';
import { logSink } from '../helpers/log-sink';
import { sleep } from '../helpers/wait';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

@serviceClass
class BigServer {
  started = 0;
  @request big(n: number, _pad?: string) {
    this.started++;
    return 'x'.repeat(n);
  }
  @request async bigLater(n: number, _pad?: string) {
    this.started++;
    await sleep(5);
    return 'x'.repeat(n);
  }
  @request ping(i: number) {
    return i;
  }
}

interface Server {
  port: number;
  services: BigServer;
  peers: Map<net.Socket, JsonRpc>;
  logs: ReturnType<typeof logSink>;
  /** Why each server-side connection closed, in order. */
  closes: string[];
  /** Largest writableLength seen on any server socket, sampled every 2 ms. */
  maxWritable: () => number;
  close(): Promise<void>;
}

async function startServer(options: PeerOptions): Promise<Server> {
  const logs = logSink('info');
  const services = new BigServer();
  const peers = new Map<net.Socket, JsonRpc>();
  const closes: string[] = [];
  let n = 0;
  let maxWritable = 0;
  const tcp = net.createServer((socket) => {
    const peer = new JsonRpc(socket, services, { logger: logs.logger, connectionId: `c${++n}`, ...options });
    peers.set(socket, peer);
    peer.on('close', (why) => {
      closes.push(why);
      peers.delete(socket);
    });
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  const sampler = setInterval(() => {
    for (const s of peers.keys()) maxWritable = Math.max(maxWritable, s.writableLength);
  }, 2);
  return {
    port: (tcp.address() as net.AddressInfo).port,
    services,
    peers,
    logs,
    closes,
    maxWritable: () => maxWritable,
    async close() {
      clearInterval(sampler);
      for (const p of peers.values()) p.close();
      await new Promise((r) => tcp.close(r));
    },
  };
}

/** Requests for `method` with a 1 KiB pad each, as one buffer (one heap object on the sending side). */
function requests(method: string, from: number, count: number, answerBytes: number): Buffer {
  const pad = 'p'.repeat(1024);
  const texts: string[] = [];
  for (let i = from; i < from + count; i++) texts.push(`\x1e{"jsonrpc":"2.0","method":"${method}","params":[${answerBytes},"${pad}"],"id":${i}}\n`);
  return Buffer.from(texts.join(''), 'utf8');
}

/** A raw client that writes and never reads, and the server's socket for it once accepted. */
async function staller(server: Server): Promise<{ bad: net.Socket; serverSocket: net.Socket }> {
  const bad = net.connect(server.port, '127.0.0.1');
  bad.pause();
  bad.on('error', () => undefined);
  await once(bad, 'connect');
  for (let i = 0; i < 100; i++) {
    const serverSocket = [...server.peers.keys()].find((s) => s.remotePort === bad.localPort);
    if (serverSocket) return { bad, serverSocket };
    await sleep(10);
  }
  throw new Error('the server never accepted the connection');
}

/** Resolves once `read()` stopped changing for `quietMs` (at most `maxMs`). */
async function settle(read: () => number, quietMs = 150, maxMs = 3000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(20);
    const now = read();
    if (now !== last) [last, since] = [now, Date.now()];
    else if (Date.now() - since >= quietMs) break;
  }
  return last;
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A well-behaved client that calls `ping` in a loop until stopped; counts correct answers. */
function goodClient(port: number): { stop(): Promise<number> } {
  const socket = net.connect(port, '127.0.0.1');
  const rpc = new JsonRpc(socket, null, { timeout: 2000, connectionId: 'good', logger: logSink().logger });
  let running = true;
  let ok = 0;
  const loop = (async () => {
    for (let i = 0; running && i < 100_000; i++) {
      expect(await rpc.invokeRequest('ping', i)).toBe(i);
      ok++;
      await sleep(2);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      rpc.close();
      return ok;
    },
  };
}

test('a client that never reads: bounded write buffer, reading paused, flat memory; others still served', async () => {
  const ANSWER = 16 * 1024;
  const server = await startServer({ maxQueuedMessages: 64, maxWriteBuffer: 8 * 1024 * 1024 });
  const good = goodClient(server.port);
  const { bad, serverSocket } = await staller(server);

  bad.write(requests('big', 0, 1000, ANSWER));
  const read1 = await settle(() => serverSocket.bytesRead);
  const heap1 = heapAfterGc();
  const started1 = server.services.started;

  bad.write(requests('big', 1000, 9000, ANSWER));
  const read2 = await settle(() => serverSocket.bytesRead);
  const heap2 = heapAfterGc();

  // 10 000 requests (~10.5 MB) asked for ~160 MB of answers. The server read a
  // bounded part, started a bounded number, and its buffers stayed small.
  const sent = 10_000 * 1100;
  expect(read2).toBeLessThan(sent / 2);
  expect(read2 - read1).toBeLessThan(2 * 1024 * 1024);
  expect(server.services.started).toBeLessThan(2000);
  expect(server.services.started - started1).toBeLessThan(600);
  expect(server.maxWritable()).toBeLessThan(2 * ANSWER + 64 * 1024);
  expect(serverSocket.isPaused()).toBe(true);
  // Nine times more requests sent, not nine times more memory (reading it all would be > 10 MB of heap).
  expect(heap2 - heap1).toBeLessThan(4 * 1024 * 1024);
  expect(server.peers.get(serverSocket)?.isClosed).toBe(false);

  expect(await good.stop()).toBeGreaterThan(20);
  bad.destroy();
  await server.close();
});

test('answers already being produced past maxWriteBuffer close the connection with a logged reason; others still served', async () => {
  const LIMIT = 512 * 1024;
  const server = await startServer({ maxWriteBuffer: LIMIT });
  const good = goodClient(server.port);
  const { bad } = await staller(server);
  // Async handlers all start before any answer exists; their answers then pile up.
  bad.write(requests('bigLater', 0, 100, 64 * 1024));
  await settle(() => server.closes.length, 300);
  expect(server.closes).toEqual([expect.stringMatching(/not reading/)]);
  const line = server.logs.warnings().find((l) => /not reading/.test(l.msg));
  expect(line?.connectionId).toMatch(/^c\d+$/);
  expect(line?.err?.message).toMatch(/over maxWriteBuffer 524288/);
  expect(server.maxWritable()).toBeLessThanOrEqual(LIMIT + 64 * 1024 + 100);

  expect(await good.stop()).toBeGreaterThan(5);
  bad.destroy();
  await server.close();
});
