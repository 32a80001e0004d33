/**
 * listen(url, factory, { workers: 2 }) on node:cluster, with a real program
 * (samples/cluster.ts) started as a user would start it: the
 * primary forks it twice, both workers serve one port, a worker that dies
 * is replaced (and that is logged), and SIGTERM → server.close() stops them
 * all. Bounded: every wait has a deadline, and afterAll kills what is left.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { connect, listen } from '../../lib';
import { sleep } from '../helpers/wait';

const app = path.join(__dirname, '../../samples/cluster.ts');
let primary: ChildProcess;
let stdout = '';
let stderr = '';
const seenWorkers = new Set<number>();

afterAll(() => {
  if (primary.exitCode === null) primary.kill('SIGKILL');
  for (const pid of seenWorkers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
});

/** Resolves to the first stdout JSON line matching `pred`, or throws after `ms`. */
async function line(pred: (o: Record<string, unknown>) => boolean, ms: number): Promise<Record<string, unknown>> {
  for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(20)) {
    for (const l of stdout.split('\n').filter(Boolean)) {
      const o = JSON.parse(l) as Record<string, unknown>;
      if (pred(o)) return o;
    }
  }
  throw new Error(`no such line on the primary's stdout within ${ms} ms; stdout: ${stdout}; stderr: ${stderr}`);
}

/** The worker pid that answers one fresh connection. */
async function pidVia(url: string): Promise<number> {
  const rpc = await connect(url, null, { timeout: 5000, connectTimeout: 5000 });
  try {
    return Number(await rpc.invokeRequest('pid'));
  } finally {
    rpc.close();
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('two workers share one port; a dead worker is replaced and logged; SIGTERM closes them all', async () => {
  primary = spawn(process.execPath, ['-r', require.resolve('ts-node/register'), app], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', BSONRPC_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  primary.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  primary.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const { url, pid: primaryPid } = (await line((o) => typeof o.url === 'string', 30_000)) as { url: string; pid: number };
  expect(url).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9]\d*$/);

  // Cluster hands connections out round-robin: ten of them reach both workers.
  const first = new Set<number>();
  for (let i = 0; i < 10; i++) first.add(await pidVia(url));
  first.forEach((p) => seenWorkers.add(p));
  expect(first.size).toBe(2);
  expect(first.has(primaryPid)).toBe(false);

  // One worker dies unexpectedly: the primary forks a replacement.
  const rpc = await connect(url, null, { timeout: 5000 });
  const victim = Number(await rpc.invokeRequest('pid'));
  expect(await rpc.invokeRequest('crash')).toBe('crashing');
  rpc.close();
  let replacement: number | undefined;
  for (const t0 = Date.now(); replacement === undefined && Date.now() - t0 < 30_000; await sleep(50)) {
    const pid = await pidVia(url).catch(() => undefined); // a connection may land on the dying worker
    if (pid !== undefined && !first.has(pid)) replacement = pid;
  }
  expect(replacement).toEqual(expect.any(Number));
  seenWorkers.add(replacement!);
  expect(alive(victim)).toBe(false);
  expect(stderr).toMatch(new RegExp(`worker ${victim} died \\(7\\); starting a replacement`));

  // SIGTERM: the program calls server.close(); every worker exits, then the primary.
  primary.kill('SIGTERM');
  expect(await line((o) => 'closed' in o, 15_000)).toEqual({ closed: true });
  const [code] = await once(primary, 'exit');
  expect(code).toBe(0);
  for (const pid of seenWorkers) expect(alive(pid)).toBe(false);
}, 90_000);

test('a port in use: the workers cannot listen, and the primary says so and exits 1', async () => {
  const blocker = await listen('tcp://127.0.0.1:0', () => null);
  try {
    const p = spawn(process.execPath, ['-r', require.resolve('ts-node/register'), app, blocker.url], {
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', BSONRPC_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    p.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    const [code] = await once(p, 'exit');
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(err).toContain(`cluster sample: ListenError: cannot listen on ${blocker.url}: worker`);
    expect(err).toMatch(/exited \(1\) before listening/);
  } finally {
    await blocker.close();
  }
}, 40_000);
