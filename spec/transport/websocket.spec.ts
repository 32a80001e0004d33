/**
 * WebSocketTransport on loopback against plain `ws` sockets: frame kinds
 * both ways, refusing a frame of the wrong kind (close code 1003),
 * back-pressure and drain, messages before start, pause and resume.
 * bsonrpc peers over ws:// URLs are in spec/net/websocket.spec.ts.
 */
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { Payload, TransportReceiver, WebSocketTransport } from '../../lib';
import { until } from '../helpers/wait';

const sockets: WebSocket[] = [];
const plainServers: WebSocketServer[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  for (const w of plainServers.splice(0)) {
    for (const c of w.clients) c.terminate();
    await new Promise((r) => w.close(r));
  }
});

async function plainClient(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  await once(ws, 'open');
  return ws;
}

describe('WebSocketTransport', () => {
  /** A receiver that records what reaches it. */
  function recorder() {
    const got = { messages: [] as Payload[], drains: 0, errors: [] as string[], closes: [] as string[] };
    const receiver: TransportReceiver = {
      onMessage: (p) => void got.messages.push(p),
      onDrain: () => void got.drains++,
      onError: (e, what) => void got.errors.push(`${what}: ${e.message}`),
      onClose: (why) => void got.closes.push(why),
    };
    return { got, receiver };
  }
  /** A plain ws server on loopback, and the server side of the first connection. */
  async function pair(): Promise<{ client: WebSocket; server: WebSocket }> {
    const plain = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    plainServers.push(plain);
    await once(plain, 'listening');
    const accepted = once(plain, 'connection');
    const client = await plainClient(`ws://127.0.0.1:${(plain.address() as { port: number }).port}`);
    const [server] = (await accepted) as [WebSocket];
    return { client, server };
  }

  test('refuses what is not a ws WebSocket, and bad options', () => {
    expect(() => new WebSocketTransport({} as WebSocket)).toThrow(TypeError);
    expect(() => new WebSocketTransport({ send() {}, terminate() {} } as unknown as WebSocket, { pingInterval: -1 })).toThrow(/pingInterval/);
  });

  test('text arrives as a string, binary as bytes; unset kind sends each payload as what it is', async () => {
    const { client, server } = await pair();
    const t = new WebSocketTransport(client, { pingInterval: 0 });
    const { got, receiver } = recorder();
    t.start(receiver);
    server.send('text');
    server.send(Buffer.from([1, 2, 3]));
    await until(() => got.messages.length === 2, 'two messages');
    expect(got.messages[0]).toBe('text');
    expect(Buffer.from(got.messages[1] as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
    const echoed: boolean[] = [];
    server.on('message', (_d, isBinary) => echoed.push(isBinary));
    t.send('x');
    t.send(new Uint8Array([7]));
    await until(() => echoed.length === 2, 'two sent');
    expect(echoed).toEqual([false, true]);
    t.close();
    await until(() => got.closes.length === 1, 'close');
    expect(got.closes[0]).toMatch(/closed by this end \(code 1000/);
  });

  test('a frame of the wrong kind is refused with onError and close code 1003', async () => {
    const { client, server } = await pair();
    const t = new WebSocketTransport(client, { binary: false, pingInterval: 0 });
    const { got, receiver } = recorder();
    t.start(receiver);
    const closed = once(server, 'close');
    server.send(Buffer.from([1]));
    const [code] = (await closed) as [number];
    expect(code).toBe(1003);
    expect(got.errors).toEqual([expect.stringMatching(/wrong WebSocket message type \(binary\): a binary WebSocket message reached a JSON peer/)]);
  });

  test('send returns false past highWaterMark and onDrain follows once written', async () => {
    const { client, server } = await pair();
    const t = new WebSocketTransport(client, { highWaterMark: 1024, pingInterval: 0 });
    const { got, receiver } = recorder();
    t.start(receiver);
    let received = 0;
    server.on('message', () => void received++);
    const results = [t.send('a'.repeat(4 * 1024 * 1024)), t.send('b')];
    expect(results).toEqual([false, false]);
    expect(t.bufferedAmount).toBeGreaterThan(1024);
    await until(() => got.drains === 1, 'onDrain', 5000);
    await until(() => received === 2, 'both messages');
    expect(t.bufferedAmount).toBeLessThan(512);
  });

  test('a message that arrives before start waits for it; pause holds delivery until resume', async () => {
    const { client, server } = await pair();
    const t = new WebSocketTransport(client, { pingInterval: 0 });
    server.send('early');
    await new Promise((r) => setTimeout(r, 30));
    const { got, receiver } = recorder();
    t.start(receiver);
    await until(() => got.messages.length === 1, 'the early message');
    t.pause();
    server.send('held');
    await new Promise((r) => setTimeout(r, 30));
    expect(got.messages).toEqual(['early']);
    t.resume();
    await until(() => got.messages.length === 2, 'the held message');
    expect(got.messages).toEqual(['early', 'held']);
    t.abort();
    await until(() => got.closes.length === 1, 'close after abort');
  });
});
