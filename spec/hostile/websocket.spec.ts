/**
 * Bad input over ws:// from a plain `ws` client, each bounded in time: text
 * that is not JSON, a frame of the wrong kind, a wrong path, an oversized
 * message, a client that never answers pings, and a server closed with
 * calls in flight. Nothing may crash the server or hang.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import { WebSocket } from 'ws';
import { ConnectError, ConnectionClosedError, connect, JsonRpc, listen, request, rpcRequest, RpcContext, Server, serviceClass } from '../../lib';
import { logSink } from '../helpers/log-sink';
import { sleep, until } from '../helpers/wait';

@serviceClass
class Svc {
  @request add(a: number, b: number): number {
    return a + b;
  }
  @rpcRequest async slow(rpc: RpcContext, ms: number): Promise<string> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      rpc.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    return `slept ${ms}`;
  }
}

const servers: Server[] = [];
const sockets: WebSocket[] = [];
const peers: JsonRpc[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close({ timeout: 1000 })));
});

async function serve(url: string, options = {}): Promise<Server> {
  const s = await listen(url, () => new Svc(), options);
  servers.push(s);
  return s;
}
function client(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): WebSocket {
  const ws = new WebSocket(url, options);
  sockets.push(ws);
  ws.on('error', () => undefined); // asserted through events below
  return ws;
}
async function open(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const ws = client(url, options);
  await once(ws, 'open');
  return ws;
}
async function answer(ws: WebSocket): Promise<unknown> {
  const [data] = (await once(ws, 'message')) as [Buffer];
  return JSON.parse(String(data));
}
/** Resolves to the close code (and reason) the client sees. */
async function closeOf(ws: WebSocket): Promise<{ code: number; reason: string }> {
  const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
  return { code, reason: String(reason) };
}

test('a text message that is not JSON is answered -32700 and the connection stays open', async () => {
  const server = await serve('ws://127.0.0.1:0/rpc', { logger: logSink().logger });
  const ws = await open(server.url);
  ws.send('{"jsonrpc":"2.0","id":1,"method":');
  expect(await answer(ws)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  ws.send('{"jsonrpc":"2.0","id":2,"method":"add","params":[2,2]}');
  expect(await answer(ws)).toEqual({ jsonrpc: '2.0', id: 2, result: 4 });
});

test('a binary message to a JSON server closes with 1003 and a logged reason', async () => {
  const sink = logSink();
  const server = await serve('ws://127.0.0.1:0/rpc', { logger: sink.logger });
  const ws = await open(server.url);
  const closed = closeOf(ws);
  ws.send(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"add","params":[1,1]}'));
  expect(await closed).toEqual({ code: 1003, reason: 'wrong WebSocket message type (binary)' });
  await until(() => server.connections.size === 0, 'the server to drop the peer');
  expect(sink.warnings()).toEqual([
    expect.objectContaining({ connectionId: 'c1', msg: 'wrong WebSocket message type (binary); closing the connection', err: expect.objectContaining({ message: expect.stringMatching(/binary WebSocket message reached a JSON peer/) }) }),
  ]);
});

test('a text message to a BSON server closes with 1003', async () => {
  const server = await serve('ws://127.0.0.1:0/rpc?protocol=bson', { logger: logSink().logger });
  const ws = await open(server.url);
  const closed = closeOf(ws);
  ws.send('{"jsonrpc":"2.0","id":1,"method":"add","params":[1,1]}');
  expect((await closed).code).toBe(1003);
});

test('an upgrade to a wrong path gets 404, a plain HTTP request 426 or 404, and the server serves on', async () => {
  const server = await serve('ws://127.0.0.1:0/rpc');
  const ws = client(server.url.replace('/rpc', '/nope'));
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, http.IncomingMessage];
  expect(res.statusCode).toBe(404);
  res.resume();
  const err = await connect(server.url.replace('/rpc', '/other')).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as Error).message).toMatch(/answered HTTP 404/);
  for (const [path, status] of [['/rpc', 426], ['/x', 404]] as const) {
    const got = await new Promise<number | undefined>((resolve, reject) =>
      http.get(server.url.replace(/^ws/, 'http').replace('/rpc', path), (r) => (r.resume(), resolve(r.statusCode))).on('error', reject),
    );
    expect(got).toBe(status);
  }
  const ok = await open(server.url);
  ok.send('{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]}');
  expect(await answer(ok)).toEqual({ jsonrpc: '2.0', id: 1, result: 3 });
});

test('a message over maxMessageSize closes the connection with 1009', async () => {
  const server = await serve('ws://127.0.0.1:0/rpc', { maxMessageSize: 1024, logger: logSink().logger });
  const ws = await open(server.url);
  const closed = closeOf(ws);
  ws.send(`{"jsonrpc":"2.0","id":1,"method":"add","params":["${'x'.repeat(2048)}"]}`);
  expect((await closed).code).toBe(1009);
  await until(() => server.connections.size === 0, 'the server to drop the peer');
});

test('a client that never answers pings is dropped; one that answers stays', async () => {
  const sink = logSink();
  const server = await serve('ws://127.0.0.1:0/rpc', { pingInterval: 40, logger: sink.logger });
  const mute = await open(server.url, { autoPong: false });
  const polite = await open(server.url);
  const t0 = Date.now();
  await closeOf(mute);
  expect(Date.now() - t0).toBeLessThan(1000);
  await sleep(100); // a few more ping rounds
  expect(polite.readyState).toBe(WebSocket.OPEN);
  polite.send('{"jsonrpc":"2.0","id":1,"method":"add","params":[1,2]}');
  expect(await answer(polite)).toEqual({ jsonrpc: '2.0', id: 1, result: 3 });
  expect(sink.lines.some((l) => /no pong within pingInterval/.test(String(l.reason)))).toBe(true);
});

test('server.close() with calls in flight: nothing hangs, the calls reject, close reports the cut-off', async () => {
  const server = await serve('ws://127.0.0.1:0/rpc');
  const rpc = (await connect(server.url)) as JsonRpc;
  peers.push(rpc);
  const calls = [1, 2, 3].map(() => rpc.invokeRequest('slow', 10_000).then(() => 'answered', (e: unknown) => e));
  await until(() => [...server.connections].some((p) => p.stats().runningHandlers === 3), 'three running handlers');
  const t0 = Date.now();
  // The handlers see their signal abort on close and return, but only after the deadline: not "finished in time".
  expect(await server.close({ timeout: 200 })).toBe(false);
  expect(Date.now() - t0).toBeLessThan(3000);
  for (const r of await Promise.all(calls)) expect(r).toBeInstanceOf(ConnectionClosedError);
  await until(() => rpc.isClosed, 'the client to see the close');
});
