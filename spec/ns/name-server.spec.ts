/**
 * The name server over real TCP on 127.0.0.1, through the typed client:
 * the wire methods, round-robin, list filters, entries that live with
 * their connection or their lease, and the errors -32004 and -32602.
 */
import { InvalidParams, nameServer, NameServerClient, PeerError, Server, startNameServer, UNKNOWN_NAME } from '../../lib';
import { sleep, until } from '../helpers/wait';

let ns: Server;
const clients: NameServerClient[] = [];
const client = (): NameServerClient => {
  const c = nameServer(ns.url, { timeout: 5000 });
  clients.push(c);
  return c;
};

beforeEach(async () => {
  ns = await startNameServer('tcp://127.0.0.1:0');
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await ns.close({ timeout: 500 });
});

test('ping, register, lookup, list, unregister', async () => {
  const c = client();
  expect(await c.ping()).toBe('pong');
  expect(await c.register('svc.a', 'tcp://127.0.0.1:7001', { metadata: { zone: 'eu' } })).toBe(true);
  expect(await c.lookup('svc.a')).toBe('tcp://127.0.0.1:7001');
  expect(await c.list()).toEqual([{ name: 'svc.a', url: 'tcp://127.0.0.1:7001', metadata: { zone: 'eu' } }]);
  expect(await c.unregister('svc.a')).toBe(1);
  expect(await c.list()).toEqual([]);
});

test('several urls under one name are handed out round-robin', async () => {
  const c = client();
  for (const port of [7001, 7002, 7003]) await c.register('rr', `tcp://127.0.0.1:${port}`);
  const got: string[] = [];
  for (let i = 0; i < 6; i++) got.push(await c.lookup('rr'));
  expect(got.map((u) => u.slice(-4))).toEqual(['7001', '7002', '7003', '7001', '7002', '7003']);
  expect(await c.unregister('rr', 'tcp://127.0.0.1:7002')).toBe(1);
  const after = new Set([await c.lookup('rr'), await c.lookup('rr')]);
  expect([...after].sort()).toEqual(['tcp://127.0.0.1:7001', 'tcp://127.0.0.1:7003']);
});

test('list filters by prefix and by metadata (all must match)', async () => {
  const c = client();
  await c.register('shop.cart', 'tcp://127.0.0.1:1', { metadata: { zone: 'eu', tier: 'gold' } });
  await c.register('shop.pay', 'tcp://127.0.0.1:2', { metadata: { zone: 'eu' } });
  await c.register('mail', 'tcp://127.0.0.1:3', { metadata: { zone: 'us' } });
  const names = async (o: Parameters<NameServerClient['list']>[0]) => (await c.list(o)).map((e) => e.name);
  expect(await names({ prefix: 'shop.' })).toEqual(['shop.cart', 'shop.pay']);
  expect(await names({ metadata: { zone: 'eu' } })).toEqual(['shop.cart', 'shop.pay']);
  expect(await names({ metadata: { zone: 'eu', tier: 'gold' } })).toEqual(['shop.cart']);
  expect(await names({ prefix: 'mail', metadata: { zone: 'eu' } })).toEqual([]);
  expect(await names({})).toEqual(['mail', 'shop.cart', 'shop.pay']);
});

test('an unknown name is -32004 "unknown name <name>"', async () => {
  const err = (await client().lookup('nobody').catch((e: unknown) => e)) as PeerError;
  expect(err).toBeInstanceOf(PeerError);
  expect([err.code, err.message]).toEqual([UNKNOWN_NAME, 'unknown name nobody']);
});

test.each([
  ['a non-string name', [42, 'tcp://127.0.0.1:1'], /name must be a string/],
  ['an empty name', ['', 'tcp://127.0.0.1:1'], /name must not be empty/],
  ['a huge name', ['n'.repeat(100_000), 'tcp://127.0.0.1:1'], /name is longer than 256/],
  ['a url of an unknown scheme', ['x', 'http://127.0.0.1:1'], /unknown scheme "http:"/],
  ['a url without port', ['x', 'tcp://127.0.0.1'], /no port/],
  ['a url that is no string', ['x', { host: 'h' }], /url must be a string/],
  ['metadata of numbers', ['x', 'tcp://127.0.0.1:1', { a: 1 }], /metadata.a must be a string/],
  ['metadata as an array', ['x', 'tcp://127.0.0.1:1', ['a']], /metadata must be an object/],
  ['a negative ttl', ['x', 'tcp://127.0.0.1:1', {}, -5], /ttl must be a positive integer/],
  ['a ttl as text', ['x', 'tcp://127.0.0.1:1', {}, '100'], /ttl must be a positive integer/],
] as [string, unknown[], RegExp][])('register with %s is -32602', async (_what, [name, url, metadata, ttl], message) => {
  const c = client();
  const err = (await c.register(name as string, url as string, { metadata: metadata as Record<string, string>, ttl: ttl as number }).catch((e: unknown) => e)) as PeerError;
  expect(err).toBeInstanceOf(InvalidParams);
  expect([err.code, err.message]).toEqual([-32602, expect.stringMatching(message)]);
  expect(await c.list()).toEqual([]);
});

test('entries without ttl live as long as the registering connection', async () => {
  const owner = client();
  const watcher = client();
  await owner.register('live', 'tcp://127.0.0.1:5000');
  expect(await watcher.lookup('live')).toBe('tcp://127.0.0.1:5000');
  await owner.close();
  for (let i = 0; i < 100 && (await watcher.list()).length > 0; i++) await sleep(10);
  expect(await watcher.list()).toEqual([]);
});

test('an entry with a ttl outlives its connection, lapses without renewal, and a renewal keeps it', async () => {
  const c = client();
  await c.register('leased', 'tcp://127.0.0.1:1', { ttl: 400 });
  await c.register('renewed', 'tcp://127.0.0.1:2', { ttl: 400 });
  await c.close();
  const w = client();
  const t0 = Date.now();
  expect((await w.list()).map((e) => e.name)).toEqual(['leased', 'renewed']);
  await sleep(250);
  await w.register('renewed', 'tcp://127.0.0.1:2', { ttl: 400 });
  await until(() => Date.now() - t0 > 450, 'the first lease to lapse', 2000);
  expect((await w.list()).map((e) => e.name)).toEqual(['renewed']);
  await expect(w.lookup('leased')).rejects.toMatchObject({ code: UNKNOWN_NAME });
});

test('maxEntries bounds the table: past it register is -32005, renewals still pass', async () => {
  await ns.close();
  ns = await startNameServer('tcp://127.0.0.1:0', { maxEntries: 2 });
  const c = client();
  await c.register('a', 'tcp://127.0.0.1:1');
  await c.register('b', 'tcp://127.0.0.1:1');
  await expect(c.register('c', 'tcp://127.0.0.1:1')).rejects.toMatchObject({ code: -32005 });
  await expect(c.register('a', 'tcp://127.0.0.1:1', { metadata: { k: 'v' } })).resolves.toBe(true);
});
