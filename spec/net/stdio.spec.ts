/**
 * spawnPeer / stdioPeer: a peer over a child's stdin/stdout (content-length
 * framing by default), callbacks both ways, the peer closing when the child
 * exits and the child exiting when the peer closes, SIGTERM for a child that
 * does not, and a clear error for a command that cannot start.
 */
import { once } from 'node:events';
import * as path from 'node:path';
import { BsonRpc, ConnectError, ConnectionClosedError, JsonRpc, request, serviceClass, spawnPeer, SpawnedPeer } from '../../lib';

const child = path.join(__dirname, '../fixtures/net/stdio-child.ts');
const tsNode = ['-r', require.resolve('ts-node/register')];
const env = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' };

@serviceClass
class Parent {
  @request answer(question: string): string {
    return question === 'ready?' ? 'yes' : 'no';
  }
}

const spawned: SpawnedPeer[] = [];
afterAll(() => spawned.forEach((p) => p.child.kill('SIGKILL')));

async function start(args: string[] = []): Promise<SpawnedPeer> {
  const peer = await spawnPeer(process.execPath, [...tsNode, child, ...args], new Parent(), { spawn: { env }, timeout: 15_000 });
  spawned.push(peer);
  return peer;
}

test('calls go both ways over the child stdio; closing the peer makes the child exit', async () => {
  const peer = await start();
  expect(peer).toBeInstanceOf(JsonRpc);
  const pid = await peer.invokeRequest('pid');
  expect(pid).toBe(peer.child.pid);
  expect(await peer.invokeRequest('ask', 'ready?')).toBe('parent says yes');
  const exited = once(peer.child, 'exit');
  peer.close();
  expect(await exited).toEqual([0, null]);
}, 30_000);

test('the child exiting closes the peer; a call in flight rejects with ConnectionClosedError', async () => {
  const peer = await start();
  await peer.invokeRequest('pid');
  const closed = once(peer, 'close');
  const exited = once(peer.child, 'exit');
  const late = peer.invokeRequest('wait', 5000).then(String, (err: unknown) => err);
  await peer.invokeRequest('exit', 3);
  await closed;
  expect(peer.isClosed).toBe(true);
  expect(await exited).toEqual([3, null]);
  expect(await late).toBeInstanceOf(ConnectionClosedError);
}, 30_000);

test('protocol bson over stdio', async () => {
  const peer = await spawnPeer(process.execPath, [...tsNode, child, 'bson'], null, { spawn: { env }, protocol: 'bson', timeout: 15_000 });
  spawned.push(peer);
  expect(peer).toBeInstanceOf(BsonRpc);
  expect(await peer.invokeRequest('pid')).toBe(peer.child.pid);
  peer.close();
  expect((await once(peer.child, 'exit'))[0]).toBe(0);
}, 30_000);

test('a child that ignores the end of its stdin is sent SIGTERM after killAfter', async () => {
  const peer = await spawnPeer(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], null, { killAfter: 200 });
  spawned.push(peer);
  const t0 = Date.now();
  const exited = once(peer.child, 'exit');
  peer.close();
  expect(await exited).toEqual([null, 'SIGTERM']);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  expect(Date.now() - t0).toBeLessThan(3000);
});

test('a command that cannot start rejects with ConnectError naming it', async () => {
  const err = await spawnPeer('/nonexistent/bsonrpc-worker', []).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectError);
  expect(err).toMatchObject({ url: '/nonexistent/bsonrpc-worker', code: 'ENOENT' });
  expect((err as Error).message).toMatch(/^cannot start \/nonexistent\/bsonrpc-worker: /);
});

test('framing over stdio defaults to content-length, and a bson framing is refused', async () => {
  const peer = await spawnPeer(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], null, {});
  spawned.push(peer);
  const chunks: Buffer[] = [];
  peer.child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  peer.sendNotification('hello');
  const t0 = Date.now();
  while (Buffer.concat(chunks).length < 10 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
  expect(Buffer.concat(chunks).toString()).toMatch(/^Content-Length: 34\r\n\r\n\{"jsonrpc":"2.0","method":"hello"\}/);
  peer.close();
  await expect(spawnPeer(process.execPath, [], null, { protocol: 'bson', framing: 'ndjson' })).rejects.toThrow(/framing applies to JSON only/);
});
