/**
 * Three backend processes (samples/backend.ts) behind nginx's `stream`
 * proxy on 127.0.0.1, as docs/deployment.md describes: calls spread over
 * all three, and a server→client callback in the middle of a request works
 * through the proxy.
 *
 * nginx runs in the foreground with its own prefix and config in a temp
 * dir (daemon off, master_process off, error_log stderr, pid in the temp
 * dir) and is stopped in afterAll, failed or not. When nginx or its stream
 * module is missing, one `apt-get install -y nginx libnginx-mod-stream` is
 * tried (with `apt-get update` only if the first attempt fails); if that
 * does not help, this file prints one line saying why and skips.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from '../../lib';
import { Caller } from '../../samples/backend';
import { sleep } from '../helpers/wait';

/** Debian's dynamic stream module; other builds have it compiled in. */
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** The config the spec runs nginx with (docs/deployment.md shows the same). */
function nginxConfig(dir: string, listenPort: number, backends: number[], loadModule: boolean): string {
  return [
    ...(loadModule ? [`load_module ${STREAM_MODULE};`] : []),
    'daemon off;',
    'master_process off;',
    'worker_processes 1;',
    'error_log stderr warn;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    'events { worker_connections 1024; }',
    'stream {',
    '  upstream bsonrpc_backends {',
    ...backends.map((port) => `    server 127.0.0.1:${port};`),
    '  }',
    '  server {',
    `    listen 127.0.0.1:${listenPort};`,
    '    proxy_pass bsonrpc_backends;',
    "    proxy_timeout 1h;     # idle bsonrpc connections are normal (nginx's default cuts them after 10 min)",
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Checks that this nginx can load a stream config; returns why not, or undefined. */
function streamProblem(): string | undefined {
  const version = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  if (version.error) return `no nginx binary (${(version.error as NodeJS.ErrnoException).code})`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsonrpc-nginx-check-'));
  try {
    fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir, 1, [2], fs.existsSync(STREAM_MODULE)));
    const test = spawnSync('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr'], { encoding: 'utf8' });
    return test.status === 0 ? undefined : `nginx -t failed: ${test.stderr.trim().split('\n').pop()}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Tries one apt-get install (update first only if needed); returns why nginx is still unusable, or undefined. */
function ensureNginx(): string | undefined {
  let problem = streamProblem();
  if (!problem) return undefined;
  const install = (): boolean =>
    spawnSync('apt-get', ['install', '-y', '-q', 'nginx', 'libnginx-mod-stream'], { stdio: 'ignore', timeout: 300_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', timeout: 300_000 });
    if (!install()) return `${problem}; apt-get install nginx libnginx-mod-stream failed`;
  }
  problem = streamProblem();
  return problem ? `${problem} (after apt-get install)` : undefined;
}

const unavailable = ensureNginx();
if (unavailable) process.stderr.write(`nginx not available: ${unavailable}; skipping\n`);
const describeIfNginx = unavailable ? describe.skip : describe;

/** A free port on 127.0.0.1 (closed again at once, for nginx to take). */
async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Stops `p` with `signal`, then SIGKILL after `ms`; resolves once it exited. */
async function stop(p: ChildProcess | undefined, signal: NodeJS.Signals, ms = 5000): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = once(p, 'exit');
  p.kill(signal);
  const timer = setTimeout(() => p.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

describeIfNginx('three backends behind the nginx stream proxy', () => {
  let dir = '';
  const backends: ChildProcess[] = [];
  let nginx: ChildProcess | undefined;
  let nginxLog = '';
  let proxyUrl = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsonrpc-nginx-')); // here, not in the describe body: a skipped describe still runs that
    const sample = path.join(__dirname, '../../samples/backend.ts');
    const env = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' };
    const ports = await Promise.all(
      ['b1', 'b2', 'b3'].map(async (name) => {
        const p = spawn(process.execPath, ['-r', require.resolve('ts-node/register'), sample, 'tcp://127.0.0.1:0', name], { env, stdio: ['ignore', 'pipe', 'inherit'] });
        backends.push(p);
        const [first] = (await Promise.race([once(p.stdout!, 'data'), once(p, 'exit').then(() => [Buffer.from('')])])) as Buffer[];
        const { url } = JSON.parse(first.toString().split('\n')[0] || '{}') as { url?: string };
        if (!url) throw new Error(`backend ${name} did not start`);
        return Number(new URL(url).port);
      }),
    );
    const port = await freePort();
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, nginxConfig(dir, port, ports, fs.existsSync(STREAM_MODULE)));
    nginx = spawn('nginx', ['-p', dir, '-c', conf, '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx.stderr!.on('data', (c: Buffer) => (nginxLog += c.toString()));
    proxyUrl = `tcp://127.0.0.1:${port}`;
    // nginx has no "ready" line: poll until it accepts (bounded).
    for (const t0 = Date.now(); ; await sleep(50)) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true))).on('error', () => resolve(false));
      });
      if (ok) break;
      if (nginx.exitCode !== null || Date.now() - t0 > 10_000) throw new Error(`nginx did not start: ${nginxLog}`);
    }
  }, 60_000);

  afterAll(async () => {
    await stop(nginx, 'SIGQUIT'); // graceful stop for nginx
    await Promise.all(backends.map((b) => stop(b, 'SIGTERM')));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  test('connections are spread over all three backends', async () => {
    const served: string[] = [];
    for (let i = 0; i < 9; i++) {
      const rpc = await connect(proxyUrl, null, { timeout: 5000 });
      served.push(String(await rpc.invokeRequest('whoami')));
      rpc.close();
    }
    // nginx's default is round-robin: nine connections, three each.
    expect([...served].sort()).toEqual(['b1', 'b1', 'b1', 'b2', 'b2', 'b2', 'b3', 'b3', 'b3']);
  });

  test('a backend calls its client back mid-request through the proxy', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => connect(proxyUrl, new Caller(), { timeout: 5000 })));
    const answers = await Promise.all(clients.map((c, i) => c.invokeRequest('shoutBack', `hello ${i}`)));
    for (const [i, a] of answers.entries()) expect(a).toMatch(new RegExp(`^b[123]: HELLO ${i}$`));
    expect(new Set(answers.map((a) => String(a).slice(0, 2))).size).toBe(3);
    clients.forEach((c) => c.close());
  });

  test('a backend stopped with SIGTERM finishes gracefully and nginx keeps serving from the others', async () => {
    const victim = backends[0];
    await stop(victim, 'SIGTERM');
    expect(victim.exitCode).toBe(0);
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const rpc = await connect(proxyUrl, null, { timeout: 5000 });
      // nginx tries the next upstream when one refuses: every call is answered.
      served.add(String(await rpc.invokeRequest('whoami')));
      rpc.close();
    }
    expect([...served].sort()).toEqual(['b2', 'b3']);
  });
});

