/**
 * Server.broadcast against hostile receivers over loopback: one that stops
 * reading (closed past `maxWriteBuffer`, the others still served), many
 * that stop reading (memory grows with the messages, not with receivers ×
 * messages: they share one frame), one that floods the server with
 * requests while broadcasts go out (every frame still whole and in order),
 * and a WebSocket client that stops reading.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WebSocket } from 'ws';
import { connect, ConnectionInfo, notification, Server, serviceClass } from '../../lib';
import { resolveFraming } from '../../lib/framing';
import type { AnyRpc } from '../../lib/net/options';
import { logSink } from '../helpers/log-sink';
import { closedAfterEach } from '../helpers/opened';
import { until } from '../helpers/wait';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

@serviceClass
class Listener {
  count = 0;
  last = -1;
  inOrder = true;
  @notification news(_text: string, i: number): void {
    if (i !== this.last + 1) this.inOrder = false;
    this.last = i;
    this.count++;
  }
}

const { clients, sockets, serve } = closedAfterEach();

async function goodClient(server: Server, options = {}): Promise<Listener> {
  const l = new Listener();
  clients.push(await connect(server.url, l, options));
  return l;
}

/** A raw tcp client that never reads, and the server's peer for it. */
async function staller(server: Server): Promise<{ socket: net.Socket; peer: AnyRpc }> {
  const socket = net.connect(Number(new URL(server.url).port), '127.0.0.1');
  sockets.push(socket);
  socket.pause();
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  let peer: AnyRpc | undefined;
  await until(() => (peer = [...server.connections].find((p) => (p.clientInfo as ConnectionInfo).remotePort === socket.localPort)) !== undefined, 'the server to accept');
  return { socket, peer: peer! };
}

test('a receiver that stops reading is closed past maxWriteBuffer; the others get every message', async () => {
  const LIMIT = 256 * 1024;
  const MESSAGE = 64 * 1024;
  const logs = logSink('info');
  const server = await serve('tcp://127.0.0.1:0', { maxWriteBuffer: LIMIT, logger: logs.logger });
  const good = await goodClient(server);
  const bad = await staller(server);
  let reason: string | undefined;
  bad.peer.on('close', (why) => (reason = why));
  const text = 'x'.repeat(MESSAGE);
  let maxQueued = 0;
  let i = 0;
  // Loopback buffers in the kernel take a few MB first; 400 × 64 KiB is far more than they hold.
  for (; i < 400 && reason === undefined; i++) {
    expect(server.broadcast('news', [text, i])).toBe(2);
    maxQueued = Math.max(maxQueued, ...[...server.connections].map((p) => p.transport.bufferedAmount));
    await until(() => good.count === i + 1, `message ${i} at the good client`);
  }
  expect(reason).toMatch(/the peer is not reading/);
  expect(logs.warnings().some((l) => /not reading/.test(l.msg) && /over maxWriteBuffer 262144/.test(l.err?.message))).toBe(true);
  // At most one message past the limit is ever queued for it.
  expect(maxQueued).toBeLessThanOrEqual(LIMIT + MESSAGE + 64);
  await until(() => server.connections.size === 1, 'the server to forget it');
  for (let j = 0; j < 5; j++, i++) expect(server.broadcast('news', [text, i])).toBe(1);
  await until(() => good.count === i, 'the rest at the good client');
  expect(good.inOrder).toBe(true);
});

test('many receivers that stop reading share one queued frame: memory grows with the messages, not with the receivers', async () => {
  const RECEIVERS = 20;
  const MESSAGE = 1024 * 1024;
  const COUNT = 10;
  const server = await serve('tcp://127.0.0.1:0');
  const stalled = [];
  for (let r = 0; r < RECEIVERS; r++) stalled.push(await staller(server));
  gc();
  gc();
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < COUNT; i++) expect(server.broadcast('news', ['y'.repeat(MESSAGE), i])).toBe(RECEIVERS);
  const queued = stalled.reduce((sum, s) => sum + s.peer.transport.bufferedAmount, 0);
  const grown = process.memoryUsage().arrayBuffers - before;
  // Whatever the kernel took, the sockets still hold tens of MB between them...
  expect(queued).toBeGreaterThan(4 * COUNT * MESSAGE);
  // ...made of the same ~10 MB of frames, not one copy per receiver.
  expect(grown).toBeLessThan(2 * COUNT * MESSAGE);
  expect(stalled.every((s) => !s.peer.isClosed)).toBe(true);
});

test('a receiver flooding the server with requests while broadcasts go out: every frame whole, broadcasts in order', async () => {
  const server = await serve('tcp://127.0.0.1:0');
  const good = await goodClient(server);
  const flooder = net.connect(Number(new URL(server.url).port), '127.0.0.1');
  sockets.push(flooder);
  const frames: Buffer[] = [];
  const decoder = resolveFraming('rfc7464').createDecoder({ maxMessageSize: 1 << 20 });
  flooder.on('data', (chunk: Buffer) => decoder.push(chunk, (p) => frames.push(Buffer.from(p))));
  await once(flooder, 'connect');
  await until(() => server.connections.size === 2, 'the flooder');
  const REQUESTS = 3000;
  const BROADCASTS = 100;
  const flood: string[] = [];
  for (let id = 0; id < REQUESTS; id++) flood.push(`\x1e{"jsonrpc":"2.0","method":"nothing.here","params":[${id}],"id":${id}}\n`);
  // Written in slices between broadcasts, so answers and broadcasts interleave on the flooder's socket.
  const slice = REQUESTS / BROADCASTS;
  for (let i = 0; i < BROADCASTS; i++) {
    flooder.write(flood.slice(i * slice, (i + 1) * slice).join(''));
    expect(server.broadcast('news', [`b${i}`, i])).toBe(2);
    await new Promise((r) => setImmediate(r));
  }
  await until(() => frames.length === REQUESTS + BROADCASTS && good.count === BROADCASTS, 'every answer and broadcast', 10_000);
  const messages = frames.map((f) => JSON.parse(f.toString('utf8')) as { id?: number; method?: string; params?: unknown[]; error?: { code: number } });
  const news = messages.filter((m) => m.method === 'news');
  expect(news.map((m) => m.params)).toEqual(Array.from({ length: BROADCASTS }, (_, i) => [`b${i}`, i]));
  const answers = messages.filter((m) => m.id !== undefined);
  expect(answers).toHaveLength(REQUESTS);
  expect(answers.every((m) => m.error?.code === -32601)).toBe(true);
  expect(good.inOrder).toBe(true);
  expect(decoder.bufferedBytes).toBe(0);
});

test('ws://: a WebSocket client that stops reading is closed past maxWriteBuffer; the others get every message', async () => {
  const LIMIT = 256 * 1024;
  const server = await serve('ws://127.0.0.1:0/rpc', { maxWriteBuffer: LIMIT, logger: logSink('info').logger });
  const good = await goodClient(server);
  const plain = new WebSocket(server.url);
  sockets.push(plain);
  plain.on('error', () => undefined);
  await once(plain, 'open');
  // Stops reading below ws: the server's queue for it can only grow.
  (plain as unknown as { _socket: net.Socket })._socket.pause();
  await until(() => server.connections.size === 2, 'the plain client');
  const bad = [...server.connections][1]; // the good client connected first
  let reason: string | undefined;
  bad.on('close', (why) => (reason = why));
  const text = 'z'.repeat(64 * 1024);
  for (let i = 0; i < 400 && reason === undefined; i++) {
    expect(server.broadcast('news', [text, i])).toBe(2);
    await until(() => good.count === i + 1, `message ${i} at the good client`);
  }
  expect(reason).toMatch(/the peer is not reading/);
  expect(good.inOrder).toBe(true);
});
