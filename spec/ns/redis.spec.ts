/**
 * The Redis store: two name servers on two ports over one real
 * `redis-server` (started here on 127.0.0.1, on a free port, in its own
 * temp dir, stopped in afterAll) share one registry, leases lapse the same,
 * and when Redis stops mid-run lookups fail with a clear error while the
 * name server keeps running, and recover when Redis comes back.
 *
 * Where `redis-server` is not installed (.ci/run tries `apt-get install
 * redis-server`), this spec prints one line saying so and is skipped.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { nameServer, NameServerClient, PeerError, Server, startNameServer } from '../../lib';

const available = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
if (!available) process.stdout.write('spec/ns/redis.spec.ts: redis-server is not installed (apt-get install redis-server); the Redis store tests are skipped\n');

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

let dir = '';
let port = 0;
let redis: ChildProcess | undefined;
const servers: Server[] = [];
const clients: NameServerClient[] = [];

/** Starts redis-server on `port` in `dir` (append-only file, so a restart keeps the registry); resolves once it accepts connections. */
async function startRedis(): Promise<void> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  redis = child;
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in 10 s: ${out}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/i.test(out)) resolve((clearTimeout(timer), undefined));
    });
    child.once('exit', (code) => reject((clearTimeout(timer), new Error(`redis-server exited with ${String(code)}: ${out}`))));
  });
}

async function stopRedis(): Promise<void> {
  const child = redis;
  redis = undefined;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

const client = (url: string): NameServerClient => {
  const c = nameServer(url, { timeout: 5000 });
  clients.push(c);
  return c;
};

(available ? describe : describe.skip)('RedisNameStore (real redis-server on 127.0.0.1)', () => {
  let a: Server;
  let b: Server;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsonrpc-redis-'));
    port = await freePort();
    await startRedis();
    a = await startNameServer('tcp://127.0.0.1:0', { store: `redis://127.0.0.1:${port}` });
    b = await startNameServer('tcp://127.0.0.1:0', { store: `redis://127.0.0.1:${port}` });
    servers.push(a, b);
  }, 30_000);

  afterAll(async () => {
    try {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      for (const s of servers.splice(0)) await s.close({ timeout: 500 });
    } finally {
      await stopRedis();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a registration at one name server is seen at the other; round-robin and list filters work across them', async () => {
    const atA = client(a.url);
    const atB = client(b.url);
    await atA.register('shared.svc', 'tcp://127.0.0.1:7001', { metadata: { zone: 'eu' } });
    await atA.register('shared.svc', 'tcp://127.0.0.1:7002');
    expect([await atB.lookup('shared.svc'), await atB.lookup('shared.svc'), await atB.lookup('shared.svc')]).toEqual([
      'tcp://127.0.0.1:7001',
      'tcp://127.0.0.1:7002',
      'tcp://127.0.0.1:7001',
    ]);
    expect(await atB.list({ prefix: 'shared.', metadata: { zone: 'eu' } })).toEqual([{ name: 'shared.svc', url: 'tcp://127.0.0.1:7001', metadata: { zone: 'eu' } }]);
    await expect(atB.lookup('shared.nothing')).rejects.toMatchObject({ code: -32004 });
    await atA.close(); // its connection owned both entries
    for (let i = 0; i < 100 && (await atB.list({ prefix: 'shared.' })).length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await atB.list({ prefix: 'shared.' })).toEqual([]);
  });

  test('a lease registered at one lapses at the other', async () => {
    const atA = client(a.url);
    const atB = client(b.url);
    await atA.register('leased.r', 'tcp://127.0.0.1:7003', { ttl: 300 });
    expect(await atB.lookup('leased.r')).toBe('tcp://127.0.0.1:7003');
    await new Promise((r) => setTimeout(r, 400));
    await expect(atB.lookup('leased.r')).rejects.toMatchObject({ code: -32004 });
  });

  test('Redis stopped mid-run: lookups fail with an error naming the store, ping still answers; Redis back: lookups work again', async () => {
    const c = client(b.url);
    await c.register('survivor', 'tcp://127.0.0.1:7004', { ttl: 60_000 });
    await stopRedis();
    const err = (await c.lookup('survivor').catch((e: unknown) => e)) as PeerError;
    expect(err).toBeInstanceOf(PeerError);
    expect(err.message).toContain(`name store redis://127.0.0.1:${port} is unavailable`);
    expect(await c.ping()).toBe('pong');
    await startRedis();
    let url: unknown;
    for (let i = 0; i < 100 && typeof url !== 'string'; i++) {
      url = await c.lookup('survivor').catch(() => undefined);
      if (typeof url !== 'string') await new Promise((r) => setTimeout(r, 50));
    }
    expect(url).toBe('tcp://127.0.0.1:7004');
  }, 30_000);
});
