/**
 * Names in URLs: `connect('ns://host:port/NAME')` and
 * `listen(url, factory, { register })`, over real TCP on 127.0.0.1.
 */
import * as net from 'node:net';
import { ConnectError, connect, listen, nameServer, request, Server, serviceClass, startNameServer } from '../../lib';
import { logSink } from '../helpers/log-sink';

@serviceClass
class Who {
  constructor(private readonly me: string) {}
  @request who(): string {
    return this.me;
  }
}

const nsName = (ns: Server, name: string) => `${ns.url.replace(/^tcp:/, 'ns:')}/${name}`;
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.close({ timeout: 500 });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('listen registers, connect by name reaches it, close() unregisters', async () => {
  const ns = await startNameServer('tcp://127.0.0.1:0');
  servers.push(ns);
  const server = await listen('tcp://127.0.0.1:0', () => new Who('w1'), { register: { name: 'who', ns: ns.url, metadata: { v: '1' } } });
  const client = nameServer(ns.url);
  expect(await client.list()).toEqual([{ name: 'who', url: server.url, metadata: { v: '1' } }]);
  const rpc = await connect(nsName(ns, 'who'));
  expect(await rpc.invokeRequest('who')).toBe('w1');
  rpc.close();
  await server.close();
  expect(await client.list()).toEqual([]);
  await client.close();
});

test('when the server a lookup hands out is gone, connect tries the next one', async () => {
  const ns = await startNameServer('tcp://127.0.0.1:0');
  servers.push(ns);
  const live = await listen('tcp://127.0.0.1:0', () => new Who('live'));
  servers.push(live);
  const client = nameServer(ns.url);
  // A dead entry first (leased, so it stays after its server is gone), then a live one.
  await client.register('pool', `tcp://127.0.0.1:${await freePort()}`, { ttl: 60_000 });
  await client.register('pool', live.url, { ttl: 60_000 });
  for (let i = 0; i < 4; i++) {
    const rpc = await connect(nsName(ns, 'pool'), null, { connectTimeout: 2000 });
    expect(await rpc.invokeRequest('who')).toBe('live');
    rpc.close();
  }
  await client.close();
});

test('a name server that is down: connect fails fast, naming its URL', async () => {
  const port = await freePort();
  const t0 = Date.now();
  const err = (await connect(`ns://127.0.0.1:${port}/x`, null, { connectTimeout: 2000 }).catch((e: unknown) => e)) as ConnectError;
  expect(err).toBeInstanceOf(ConnectError);
  expect(err.message).toContain(`name server tcp://127.0.0.1:${port}`);
  expect(Date.now() - t0).toBeLessThan(2000);
});

test('an unknown name and a malformed ns URL', async () => {
  const ns = await startNameServer('tcp://127.0.0.1:0');
  servers.push(ns);
  await expect(connect(nsName(ns, 'ghost'))).rejects.toThrow(/knows no "ghost"/);
  await expect(connect('ns://127.0.0.1:1/')).rejects.toThrow(TypeError);
  await expect(connect('ns://127.0.0.1:1/x?protocol=bson')).rejects.toThrow(/takes no query/);
});

test('listen fails with a ConnectError naming the name server when it cannot register, and frees its port', async () => {
  const port = await freePort();
  const err = (await listen('tcp://127.0.0.1:0', () => new Who('x'), { register: { name: 'x', ns: `tcp://127.0.0.1:${port}` } }).catch((e: unknown) => e)) as Error;
  expect(err).toBeInstanceOf(ConnectError);
  expect(err.message).toContain(`name server tcp://127.0.0.1:${port}`);
});

test('after the name server restarts on the same address, the server registers again', async () => {
  let ns = await startNameServer('tcp://127.0.0.1:0');
  const url = ns.url;
  const sink = logSink('info');
  const server = await listen('tcp://127.0.0.1:0', () => new Who('again'), { register: { name: 'phoenix', ns: url }, logger: sink.logger });
  servers.push(server);
  await ns.close({ timeout: 200 });
  ns = await startNameServer(url); // an empty table
  servers.unshift(ns); // closed after the server
  const client = nameServer(url);
  const t0 = Date.now();
  let urls: string[] = [];
  while (Date.now() - t0 < 8000 && urls.length === 0) {
    urls = (await client.list()).map((e) => e.url);
    if (!urls.length) await new Promise((r) => setTimeout(r, 50));
  }
  expect(urls).toEqual([server.url]);
  expect(sink.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['lost the name server; registering again', 'registered again']));
  await client.close();
});

test('register without a name is a TypeError', async () => {
  await expect(listen('tcp://127.0.0.1:0', () => new Who('x'), { register: { name: '' } })).rejects.toThrow(TypeError);
});
