/**
 * connect() and listen() over tcp and unix on loopback: URLs and options,
 * the Server's connections and events, the factory, maxConnections,
 * graceful close, per-connection logging, and clear errors.
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BsonRpc,
  ConnectError,
  ConnectionClosedError,
  ConnectionInfo,
  connect,
  JsonRpc,
  listen,
  ListenError,
  request,
  rpcRequest,
  RpcContext,
  Server,
  serviceClass,
} from '../../lib';
import { logSink } from '../helpers/log-sink';
import { sleep, until } from '../helpers/wait';

@serviceClass
class Counter {
  count = 0;
  @request next(): number {
    return ++this.count;
  }
  /** Sleeps `ms`, or less when the connection closes (so no timer outlives a test). */
  @rpcRequest async slow(rpc: RpcContext, ms: number): Promise<string> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      rpc.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    return `slept ${ms}`;
  }
  @rpcRequest who(rpc: RpcContext): unknown {
    return rpc.clientInfo;
  }
  @rpcRequest async askBack(rpc: RpcContext, text: string): Promise<string> {
    return `client said ${String(await rpc.getPeerProxy().shout(text))}`;
  }
}

@serviceClass
class Shouter {
  @request shout(text: string): string {
    return text.toUpperCase();
  }
}

const servers: Server[] = [];
const clients: (JsonRpc | BsonRpc)[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bsonrpc-server-spec-'));

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close({ timeout: 1000 })));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function serve(url: string, factory: (info: ConnectionInfo) => object | null, options = {}): Promise<Server> {
  const s = await listen(url, factory, options);
  servers.push(s);
  return s;
}
async function dial<T extends JsonRpc | BsonRpc>(url: string, services?: object | null, options = {}): Promise<T> {
  const c = (await connect(url, services, options)) as T;
  clients.push(c);
  return c;
}

describe('connect and listen', () => {
  test('tcp: the URL gets the real port, and a call and a callback go both ways', async () => {
    const server = await serve('tcp://127.0.0.1:0', () => new Counter());
    expect(server.url).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    const rpc = await dial<JsonRpc>(server.url, new Shouter());
    expect(rpc).toBeInstanceOf(JsonRpc);
    expect(await rpc.invokeRequest('next')).toBe(1);
    expect(await rpc.invokeRequest('askBack', 'hi')).toBe('client said HI');
  });

  test('tcp on ::1', async () => {
    const server = await serve('tcp://[::1]:0', () => new Counter());
    expect(server.url).toMatch(/^tcp:\/\/\[::1\]:\d+$/);
    const rpc = await dial(server.url);
    expect(await rpc.invokeRequest('who')).toMatchObject({ remoteAddress: '::1' });
  });

  test('unix: a socket file, removed again on close', async () => {
    const file = path.join(tmp, 'a.sock');
    const server = await serve(`unix://${file}`, () => new Counter());
    expect(server.url).toBe(`unix://${file}`);
    expect(fs.existsSync(file)).toBe(true);
    const rpc = await dial(server.url);
    expect(await rpc.invokeRequest('who')).toMatchObject({ remoteAddress: '', connectionId: 'c1' });
    await server.close();
    expect(fs.existsSync(file)).toBe(false);
  });

  test('protocol=bson on both ends makes BsonRpc peers; a Buffer round-trips', async () => {
    const server = await serve('tcp://127.0.0.1:0?protocol=bson', () => new Counter());
    const seen: unknown[] = [];
    server.on('connection', (peer) => seen.push(peer.constructor.name));
    const rpc = await dial<BsonRpc>(server.url);
    expect(rpc).toBeInstanceOf(BsonRpc);
    expect(await rpc.invokeRequest('next')).toBe(1);
    expect(seen).toEqual(['BsonRpc']);
  });

  test('an explicit option wins over the URL', async () => {
    const server = await serve('tcp://127.0.0.1:0?protocol=bson', () => new Counter());
    const json = await dial(server.url, null, { protocol: 'json', timeout: 300 });
    expect(json).toBeInstanceOf(JsonRpc);
    // A JSON client on a BSON server: the server cannot read it and closes.
    await expect(json.invokeRequest('next')).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  test.each([
    ['?framing=ndjson', {}, '{"jsonrpc":"2.0","method":"hello"}\n'],
    ['?framing=ndjson', { framing: 'netstring' }, '34:{"jsonrpc":"2.0","method":"hello"},'],
    ['', {}, '\x1e{"jsonrpc":"2.0","method":"hello"}\n'],
    ['?framing=content-length', {}, 'Content-Length: 34\r\n\r\n{"jsonrpc":"2.0","method":"hello"}'],
  ])('framing from the URL %s and options %j puts the right bytes on the wire', async (query, options, bytes) => {
    const raw = net.createServer().listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const got = once(raw, 'connection').then(async ([socket]: net.Socket[]) => {
      const [chunk] = await once(socket, 'data');
      socket.destroy();
      return (chunk as Buffer).toString('latin1');
    });
    const rpc = await dial(`tcp://127.0.0.1:${(raw.address() as net.AddressInfo).port}${query}`, null, options);
    rpc.sendNotification('hello');
    expect(await got).toBe(bytes);
    await new Promise((r) => raw.close(r));
  });

  test('a refused address rejects with ConnectError naming the URL', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const url = `tcp://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
    await new Promise((r) => probe.close(r)); // now nobody listens there
    const err = await connect(url).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect(err).toMatchObject({ url, code: 'ECONNREFUSED' });
    expect((err as Error).message).toContain(`cannot connect to ${url}`);
    const missing = `unix://${path.join(tmp, 'nobody.sock')}`;
    await expect(connect(missing)).rejects.toMatchObject({ url: missing, code: 'ENOENT' });
  });

  test('connectTimeout bounds a handshake that never completes', async () => {
    // A TCP server that accepts and never speaks: a TLS client waits for a ServerHello forever.
    const mute = net.createServer((s) => s.resume().on('error', () => undefined)).listen(0, '127.0.0.1');
    await once(mute, 'listening');
    const url = `tls://127.0.0.1:${(mute.address() as net.AddressInfo).port}`;
    const t0 = Date.now();
    const err = await connect(url, null, { connectTimeout: 200 }).then(() => undefined, (e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(ConnectError);
    expect(err).toMatchObject({ url, code: 'ETIMEDOUT' });
    expect((err as Error).message).toMatch(/no connection within 200 ms/);
    await new Promise((r) => mute.close(r));
  });

  test('bad schemes, parameters, values and options are TypeErrors naming them', async () => {
    await expect(connect('http://127.0.0.1:1')).rejects.toThrow(/unknown scheme "http:"/);
    await expect(connect('tcp://127.0.0.1:1?color=red')).rejects.toThrow(/unknown query parameter "color"/);
    await expect(connect('tcp://127.0.0.1:1?protocol=bson&framing=ndjson')).rejects.toThrow(/framing applies to JSON only/);
    await expect(connect('tcp://127.0.0.1:0')).rejects.toThrow(/port 0 is only for listen/);
    await expect(connect('tcp://127.0.0.1:1', null, { connectTimeout: -1 })).rejects.toThrow(/connectTimeout/);
    await expect(connect('tcp://127.0.0.1:1', null, { tls: {} })).rejects.toThrow(/option tls is only for tls/);
    await expect(listen('tcp://127.0.0.1:0', null as never)).rejects.toThrow(/servicesFactory must be a function/);
    await expect(listen('tcp://127.0.0.1:0', () => null, { maxConnections: 0 })).rejects.toThrow(/maxConnections/);
    await expect(listen('tls://127.0.0.1:0', () => null)).rejects.toThrow(/needs options.tls/);
    await expect(listen('tcp://127.0.0.1:0', () => null, { backlog: 0 })).rejects.toThrow(/option backlog/);
    await expect(listen('tcp://127.0.0.1:0', () => null, { keepAlive: -5 })).rejects.toThrow(/option keepAlive/);
    await expect(listen('unix:///tmp/x.sock', () => null, { workers: 2 })).rejects.toThrow(/workers need a tcp/);
    await expect(listen('tcp://127.0.0.1:0', () => null, { workers: 1.5 })).rejects.toThrow(/option workers/);
    for (const p of [connect('tcp://127.0.0.1:1', null, { protocol: 'xml' as never }), listen('tcp://127.0.0.1:0?protocol=xml', () => null)]) {
      await expect(p).rejects.toBeInstanceOf(TypeError);
    }
  });

  test('ws:// and wss:// take no framing, and tls only for wss', async () => {
    await expect(connect('ws://127.0.0.1:8080/rpc?framing=ndjson')).rejects.toThrow(/framing does not apply to ws:\/\//);
    await expect(connect('ws://127.0.0.1:8080/rpc', null, { framing: 'ndjson' })).rejects.toBeInstanceOf(TypeError);
    await expect(listen('wss://127.0.0.1:0/rpc?framing=rfc7464', () => null)).rejects.toThrow(/framing does not apply to wss:\/\//);
    await expect(listen('wss://127.0.0.1:0/rpc', () => null)).rejects.toThrow(/needs options.tls/);
    await expect(listen('ws://127.0.0.1:0/rpc', () => null, { tls: {} })).rejects.toThrow(/option tls is only for tls:\/\/ and wss:\/\//);
    await expect(listen('ws://127.0.0.1:0/rpc', () => null, { workers: 2 })).rejects.toThrow(/workers are not yet supported/);
    await expect(listen('ws://127.0.0.1:0/rpc', () => null, { pingInterval: -1 })).rejects.toThrow(/option pingInterval/);
    await expect(connect('ws://127.0.0.1:1/rpc', null, { pingInterval: NaN })).rejects.toThrow(/option pingInterval/);
  });

  test('a port in use rejects with ListenError naming the URL', async () => {
    const server = await serve('tcp://127.0.0.1:0', () => null);
    const err = await listen(server.url, () => null).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect(err).toMatchObject({ url: server.url, code: 'EADDRINUSE' });
    expect((err as Error).message).toContain(`cannot listen on ${server.url}`);
  });
});

describe('the Server object', () => {
  test('connections, connection/disconnect events with info, connection ids c1, c2', async () => {
    const server = await serve('tcp://127.0.0.1:0', () => new Counter());
    const events: string[] = [];
    server.on('connection', (_peer, info) => events.push(`+${info.connectionId} ${info.remoteAddress}`));
    server.on('disconnect', (_peer, info) => events.push(`-${info.connectionId}`));
    const a = await dial(server.url);
    const b = await dial(server.url);
    await a.invokeRequest('next');
    await b.invokeRequest('next');
    expect(server.connections.size).toBe(2);
    expect([...server.connections].every((p) => p instanceof JsonRpc)).toBe(true);
    a.close();
    await until(() => server.connections.size === 1, 'the server to see a go');
    expect(events).toEqual(['+c1 127.0.0.1', '+c2 127.0.0.1', '-c1']);
  });

  test('the factory may share one object or make a fresh one per connection', async () => {
    const shared = new Counter();
    const sharing = await serve('tcp://127.0.0.1:0', () => shared);
    const fresh = await serve('tcp://127.0.0.1:0', () => new Counter());
    const [s1, s2, f1, f2] = await Promise.all([dial(sharing.url), dial(sharing.url), dial(fresh.url), dial(fresh.url)]);
    expect([await s1.invokeRequest('next'), await s2.invokeRequest('next')]).toEqual([1, 2]);
    expect([await f1.invokeRequest('next'), await f2.invokeRequest('next')]).toEqual([1, 1]);
  });

  test('the factory gets the info; an async factory works; clientInfo defaults to the info', async () => {
    const infos: ConnectionInfo[] = [];
    const server = await serve('tcp://127.0.0.1:0', async (info) => {
      infos.push(info);
      await sleep(20);
      return new Counter();
    });
    const rpc = await dial(server.url);
    const who = (await rpc.invokeRequest('who')) as ConnectionInfo;
    expect(infos).toHaveLength(1);
    expect(who).toEqual({ url: server.url, connectionId: 'c1', remoteAddress: '127.0.0.1', remotePort: infos[0].remotePort });
    expect(infos[0].remotePort).toEqual(expect.any(Number));
  });

  test('options.clientInfo, when given, is what handlers see', async () => {
    const server = await serve('tcp://127.0.0.1:0', () => new Counter(), { clientInfo: { tenant: 'acme' } });
    expect(await (await dial(server.url)).invokeRequest('who')).toEqual({ tenant: 'acme' });
  });

  test('a throwing factory refuses that connection, reports it, and the server keeps serving', async () => {
    let n = 0;
    const sink = logSink();
    const server = await serve(
      'tcp://127.0.0.1:0',
      () => {
        if (++n === 1) throw new Error('no services for you');
        return new Counter();
      },
      { logger: sink.logger },
    );
    const errors: Error[] = [];
    server.on('error', (err) => errors.push(err));
    const first = await dial(server.url, null, { timeout: 2000 });
    await expect(first.invokeRequest('next')).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(errors.map((e) => e.message)).toEqual(['no services for you']);
    expect(sink.warnings()).toMatchObject([{ msg: 'connection refused: the services factory failed', connection: 'c1', err: { message: 'no services for you' } }]);
    expect(await (await dial(server.url)).invokeRequest('next')).toBe(1);
  });

  test('maxConnections: past it a new connection is refused and logged; the others keep being served', async () => {
    const sink = logSink('info');
    const server = await serve('tcp://127.0.0.1:0', () => new Counter(), { maxConnections: 2, logger: sink.logger });
    const a = await dial(server.url);
    const b = await dial(server.url);
    await Promise.all([a.invokeRequest('next'), b.invokeRequest('next')]);
    const c = await dial(server.url, null, { timeout: 2000 });
    await expect(c.invokeRequest('next')).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(sink.warnings().map((l) => l.msg)).toEqual(['connection refused: maxConnections reached']);
    expect(sink.warnings()[0]).toMatchObject({ maxConnections: 2, remoteAddress: '127.0.0.1' });
    expect(await a.invokeRequest('next')).toBe(2);
    a.close();
    await until(() => server.connections.size === 1, 'a to be gone');
    expect(await (await dial(server.url)).invokeRequest('next')).toBe(1); // room again
  });

  test('each connection logs through its own child of the server logger', async () => {
    const sink = logSink('debug');
    const server = await serve('tcp://127.0.0.1:0', () => new Counter(), { logger: sink.logger });
    const a = await dial(server.url);
    const b = await dial(server.url);
    await Promise.all([a.invokeRequest('next'), b.invokeRequest('next')]);
    for (const peer of server.connections) peer.logger.info({}, 'hello from a handler');
    const hellos = sink.lines.filter((l) => l.msg === 'hello from a handler').map((l) => l.connectionId);
    expect(hellos.sort()).toEqual(['c1', 'c2']);
    expect(sink.lines.filter((l) => l.msg === 'connection').map((l) => l.connectionId)).toEqual(['c1', 'c2']);
  });
});

describe('close()', () => {
  test('lets running handlers finish, then closes every connection; twice is safe', async () => {
    const server = await serve('tcp://127.0.0.1:0', () => new Counter());
    const rpc = await dial(server.url);
    const idle = await dial(server.url);
    await idle.invokeRequest('next');
    const call = rpc.invokeRequest('slow', 150);
    await until(() => [...server.connections].some((p) => p.stats().runningHandlers === 1), 'the handler to start');
    const t0 = Date.now();
    const closing = server.close({ timeout: 3000 });
    expect(server.close()).toBe(closing);
    expect(server.listening).toBe(false);
    await expect(call).resolves.toBe('slept 150');
    expect(await closing).toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(server.connections.size).toBe(0);
    await until(() => rpc.isClosed && idle.isClosed, 'the clients to see the close');
    await expect(connect(server.url)).rejects.toBeInstanceOf(ConnectError);
  });

  test('cuts off handlers still running at the deadline; their callers get ConnectionClosedError', async () => {
    const server = await serve('tcp://127.0.0.1:0', () => new Counter());
    const rpc = await dial(server.url);
    const call = rpc.invokeRequest('slow', 1500).then(String, (err: unknown) => err);
    await until(() => server.connections.size === 1 && [...server.connections][0].stats().runningHandlers === 1, 'the handler to start');
    const t0 = Date.now();
    expect(await server.close({ timeout: 100 })).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await call).toBeInstanceOf(ConnectionClosedError);
  });

  test('a server with no connections closes at once', async () => {
    const server = await serve('tcp://127.0.0.1:0', () => null);
    const t0 = Date.now();
    expect(await server.close()).toBe(true);
    expect(Date.now() - t0).toBeLessThan(500);
  });
});
