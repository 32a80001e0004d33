/**
 * connect() and listen() over ws:// on loopback: bsonrpc ↔ bsonrpc for JSON
 * and BSON (calls and callbacks both ways, batches, notifications), a
 * plain `ws` client served, and a bsonrpc client calling a plain `ws`
 * JSON-RPC server. Bad input over ws:// is in spec/hostile/websocket.spec.ts.
 */
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { BsonRpc, connect, JsonRpc, listen, notification, request, rpcRequest, RpcContext, Server, serviceClass } from '../../lib';
import { until } from '../helpers/wait';

@serviceClass
class Calc {
  notes: string[] = [];
  @request add(a: number, b: number): number {
    return a + b;
  }
  @request bytes(b: Buffer): Buffer {
    return Buffer.concat([b, Buffer.from([9])]);
  }
  @rpcRequest async greet(rpc: RpcContext, name: string): Promise<string> {
    return `hello ${String(await rpc.getPeerProxy().title(name))}`;
  }
  @rpcRequest who(rpc: RpcContext): unknown {
    return rpc.clientInfo;
  }
  @notification note(text: string): void {
    this.notes.push(text);
  }
}

@serviceClass
class Titler {
  @request title(name: string): string {
    return `dear ${name}`;
  }
}

const servers: Server[] = [];
const peers: (JsonRpc | BsonRpc)[] = [];
const sockets: WebSocket[] = [];
const plainServers: WebSocketServer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  for (const s of sockets.splice(0)) s.terminate();
  for (const w of plainServers.splice(0)) {
    for (const c of w.clients) c.terminate();
    await new Promise((r) => w.close(r));
  }
  await Promise.all(servers.splice(0).map((s) => s.close({ timeout: 1000 })));
});

async function serve(url: string, factory: () => object | null, options = {}): Promise<Server> {
  const s = await listen(url, factory, options);
  servers.push(s);
  return s;
}
async function dial<T extends JsonRpc | BsonRpc>(url: string, services?: object | null, options = {}): Promise<T> {
  const p = (await connect(url, services, options)) as T;
  peers.push(p);
  return p;
}
async function plainClient(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  sockets.push(ws);
  await once(ws, 'open');
  return ws;
}
/** The next message on `ws`, as text or bytes. */
async function next(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  const [data, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
  return { data, isBinary };
}

describe('bsonrpc over ws://', () => {
  test('JSON: the URL keeps its path, calls and callbacks go both ways, batches and notifications arrive', async () => {
    const calc = new Calc();
    const server = await serve('ws://127.0.0.1:0/rpc', () => calc);
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:[1-9]\d*\/rpc$/);
    const rpc = await dial<JsonRpc>(server.url, new Titler());
    expect(rpc).toBeInstanceOf(JsonRpc);
    expect(await rpc.invokeRequest('add', 2, 3)).toBe(5);
    expect(await rpc.invokeRequest('greet', 'Ada')).toBe('hello dear Ada');
    expect(await rpc.batchCall((b) => (b.add(1, 1), b.n.note('in a batch'), b.greet('Bob')))).toEqual([2, 'hello dear Bob']);
    rpc.invokeNotification('note', 'alone');
    await until(() => calc.notes.length === 2, 'both notes');
    expect(calc.notes).toEqual(['in a batch', 'alone']);
    expect(await rpc.invokeRequest('who')).toMatchObject({ remoteAddress: '127.0.0.1', connectionId: 'c1' });
  });

  test('BSON (protocol=bson): binary messages, a Buffer round-trips, a callback both ways', async () => {
    const server = await serve('ws://127.0.0.1:0/b?protocol=bson', () => new Calc());
    const rpc = await dial<BsonRpc>(server.url, new Titler());
    expect(rpc).toBeInstanceOf(BsonRpc);
    expect(await rpc.invokeRequest('bytes', Buffer.from([1, 2]))).toEqual(Buffer.from([1, 2, 9]));
    expect(await rpc.invokeRequest('greet', 'Ada')).toBe('hello dear Ada');
    const [peer] = server.connections;
    expect(await peer.invokeRequest('title', 'Sue')).toBe('dear Sue');
  });

  test('a plain ws client sending JSON-RPC text messages is served, batches included', async () => {
    const server = await serve('ws://127.0.0.1:0/rpc', () => new Calc());
    const ws = await plainClient(server.url);
    ws.send('{"jsonrpc":"2.0","id":1,"method":"add","params":[40,2]}');
    const answer = await next(ws);
    expect(answer.isBinary).toBe(false);
    expect(JSON.parse(answer.data.toString())).toEqual({ jsonrpc: '2.0', id: 1, result: 42 });
    ws.send('[{"jsonrpc":"2.0","id":"a","method":"add","params":[1,2]},{"jsonrpc":"2.0","method":"note","params":["x"]}]');
    expect(JSON.parse((await next(ws)).data.toString())).toEqual([{ jsonrpc: '2.0', id: 'a', result: 3 }]);
  });

  test('a bsonrpc client calls a plain ws JSON-RPC echo server', async () => {
    const plain = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/echo' });
    plainServers.push(plain);
    await once(plain, 'listening');
    const kinds: boolean[] = [];
    plain.on('connection', (ws) =>
      ws.on('message', (data, isBinary) => {
        kinds.push(isBinary);
        const msg = JSON.parse(String(data)) as { id: number; params: unknown[] };
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: msg.params }));
      }),
    );
    const { port } = plain.address() as { port: number };
    const rpc = await dial<JsonRpc>(`ws://127.0.0.1:${port}/echo`);
    expect(await rpc.invokeRequest('echo', 'a', 1)).toEqual(['a', 1]);
    expect(kinds).toEqual([false]);
  });

  test('connect rejects with ConnectError naming the URL when nothing listens', async () => {
    const server = await serve('ws://127.0.0.1:0/rpc', () => null);
    const url = server.url;
    await server.close();
    await expect(connect(url)).rejects.toMatchObject({ name: 'ConnectError', url, code: 'ECONNREFUSED' });
  });
});

