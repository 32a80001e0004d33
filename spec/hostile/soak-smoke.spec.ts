/**
 * Runs scripts/soak.ts with tiny counts: the script starts its server
 * child, drives every phase, prints the figures and exits 0; and its hard
 * time limit ends a run that overstays with exit code 2.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function soak(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(ROOT, 'scripts', 'soak.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('a tiny soak runs every phase, prints heap and RSS figures and exits 0', async () => {
  const { code, out } = await soak({
    SOAK_CALLS: '3000',
    SOAK_CYCLES: '40',
    SOAK_CONNS: '40',
    SOAK_CANCELS: '2000',
    SOAK_SETTLE_MS: '200',
    // Too few calls for a growth figure to mean anything: only the plumbing is checked here.
    SOAK_MAX_GROWTH: '200',
  });
  expect(out).toMatch(/warm-up .*heap [\d.]+ MB, rss [\d.]+ MB/);
  expect(out).toMatch(/^calls  3000 in \d+ ms .*heap [\d.]+ MB \(-?[\d.]+%\), rss [\d.]+ MB/m);
  expect(out).toMatch(/^cycles 40 in /m);
  expect(out).toMatch(/^conns  40 in .*while held: .* 41 live/m);
  expect(out).toMatch(/^cancels 2000 in \d+ ms/m);
  expect(out).toMatch(/^end: heap .* -> .*; \d+ calls served/m);
  expect(code).toBe(0);
}, 25_000);

test('the hard time limit stops the run with exit code 2', async () => {
  const { code, out } = await soak({ SOAK_TIME_LIMIT_MS: '1' });
  expect(out).toMatch(/time limit of 1 ms passed/);
  expect(code).toBe(2);
}, 25_000);
