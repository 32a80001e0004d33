/**
 * Soak test: does a server's memory stay flat under sustained use?
 *
 *   npm run soak                       (full size, about a minute)
 *   SOAK_CALLS=2000 SOAK_CYCLES=50 SOAK_CONNS=50 SOAK_SETTLE_MS=300 npm run soak   (CI size)
 *
 * The server runs in a child process (started with --expose-gc, so its
 * heap is measured after a full collection) and this process drives it
 * over TCP on 127.0.0.1 in three phases:
 *
 * 1. `calls`: SOAK_CALLS requests (default 1,000,000), pipelined in windows
 *    of SOAK_WINDOW (default 1,000) on each of SOAK_PIPES connections;
 * 2. `cycles`: SOAK_CYCLES connect / call / disconnect cycles (default
 *    10,000), SOAK_PARALLEL at a time;
 * 3. `conns`: SOAK_CONNS connections (default 5,000) opened, each making a
 *    call, held together, then closed;
 * 4. `cancels`: SOAK_CANCELS calls (default 100,000) to a handler that
 *    waits for its signal, each aborted by the caller once sent, in windows
 *    of SOAK_WINDOW: every handler must end through `$/cancelRequest`
 *    (the server's count of running handlers is back to 0) and memory
 *    must stay flat.
 *
 * A warm-up runs the calls and cycles phases at a tenth of their size and
 * the conns phase at full size (so the baseline already holds what 5,000
 * sockets cost the allocator once); the baseline is measured after it. After every phase the server's heap (after GC) and RSS
 * are printed with their growth over the baseline, once the server has
 * settled (SOAK_SETTLE_MS, default 5 s, and until its memory is steady). Exits 1 when either has
 * grown by SOAK_MAX_GROWTH % (default 10) or more at the end, 2 when the
 * whole run passes SOAK_TIME_LIMIT_MS (default 15 min), 3 when it cannot
 * run as asked (e.g. too few file descriptors).
 *
 * The server child runs plain JavaScript transpiled from lib/ and this
 * script into node_modules/.cache/bsonrpc-soak, so its heap holds the
 * server and not the TypeScript compiler ts-node would load.
 *
 * The limit on open files is checked first (Node raises its soft limit to
 * the hard limit by itself; a hard limit too low for SOAK_CONNS stops the
 * run with exit code 3 and a message).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join, relative } from 'node:path';
import { JsonRpc, request, rpcRequest, RpcContext, serviceClass } from '../lib';

const env = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a non-negative number`);
  return Math.floor(v);
};

const CALLS = env('SOAK_CALLS', 1_000_000);
const CYCLES = env('SOAK_CYCLES', 10_000);
const CONNS = env('SOAK_CONNS', 5_000);
const CANCELS = env('SOAK_CANCELS', 100_000);
const WINDOW = Math.max(1, env('SOAK_WINDOW', 1_000));
const PIPES = Math.max(1, env('SOAK_PIPES', 4));
const PARALLEL = Math.max(1, env('SOAK_PARALLEL', 50));
const MAX_GROWTH = env('SOAK_MAX_GROWTH', 10);
const TIME_LIMIT_MS = env('SOAK_TIME_LIMIT_MS', 15 * 60_000);
const SETTLE_MS = env('SOAK_SETTLE_MS', 5_000);
const HOST = '127.0.0.1';

// ---------------------------------------------------------------- server (child process)

interface ServerStats {
  heapUsed: number;
  rss: number;
  external: number;
  live: number;
  served: number;
  /** `hold` handlers still running: 0 once every cancel has arrived. */
  running: number;
}

@serviceClass
class SoakServer {
  live = 0;
  served = 0;
  running = 0;
  /** Waits until the caller cancels (or 30 s pass, which the soak would see as handlers left running). */
  @rpcRequest async hold(rpc: RpcContext) {
    this.running++;
    try {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 30_000);
        rpc.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    } finally {
      this.running--;
    }
    return 'not cancelled';
  }
  @request echo(x: unknown) {
    this.served++;
    return x;
  }
  @request add(a: number, b: number) {
    this.served++;
    return a + b;
  }
  /** Memory after a full GC (twice: weak callbacks and finalizers free more on the second). */
  @request stats(): ServerStats {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      gc();
    }
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, live: this.live, served: this.served, running: this.running };
  }
}

function runServer(): void {
  const services = new SoakServer();
  let n = 0;
  const server = net.createServer((socket) => {
    services.live++;
    const peer = new JsonRpc(socket, services, { connectionId: `s${++n}` });
    peer.on('close', () => services.live--);
  });
  server.on('error', (err) => {
    console.error(err);
    process.exit(3);
  });
  server.listen(0, HOST, () => process.stdout.write(`PORT ${(server.address() as net.AddressInfo).port}\n`));
  // The driver closes stdin when it is done (or dies): never outlive it.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

// ---------------------------------------------------------------- driver

/** The soft and hard limits on open files, from /proc (Linux); undefined elsewhere. */
function openFileLimits(): { soft: number; hard: number } | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
    return Number.isFinite(soft) || soft === Infinity ? { soft, hard } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks that both processes may open enough sockets. Node itself raises
 * its soft limit on open files to the hard limit when it starts, so only
 * the hard limit can stand in the way: then say so and stop.
 */
function checkFileLimit(): void {
  // Each held connection costs one descriptor here and one in the server.
  const needed = CONNS + 256;
  const limits = openFileLimits();
  console.log(`soak: open files: soft ${limits?.soft ?? '?'}, hard ${limits?.hard ?? '?'}; ${needed} needed`);
  if (limits && limits.soft < needed) {
    console.error(`soak: ${CONNS} connections need ${needed} open files, the limit is ${limits.soft} (hard ${limits.hard}). Lower SOAK_CONNS or raise the hard limit (ulimit -Hn).`);
    process.exit(3);
  }
}

/** Transpiles lib/ and this script to CommonJS under node_modules/.cache (so packages still resolve); returns this script's output. */
function transpileServer(): string {
  // Loaded here only: the driver runs under ts-node, which has TypeScript loaded already.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ROOT, transpileFiles, tsFiles } = require('./transpile') as typeof import('./transpile');
  const out = join(ROOT, 'node_modules', '.cache', 'bsonrpc-soak');
  transpileFiles([...tsFiles(join(ROOT, 'lib')), __filename], out);
  return join(out, relative(ROOT, __filename)).replace(/\.ts$/, '.js');
}

async function startServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--expose-gc', transpileServer(), '--server'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
    child.stdout!.on('data', (s: string) => {
      out += s;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
  });
  return { child, port };
}

async function connect(port: number): Promise<JsonRpc> {
  const socket = net.connect(port, HOST);
  await once(socket, 'connect');
  return new JsonRpc(socket, null, { timeout: 30_000 });
}

/** `count` calls on `rpc`, at most `window` outstanding, each window awaited whole. */
async function pipelined(rpc: JsonRpc, count: number, window: number): Promise<void> {
  for (let done = 0; done < count; ) {
    const n = Math.min(window, count - done);
    const calls: Promise<unknown>[] = new Array(n);
    for (let i = 0; i < n; i++) calls[i] = rpc.invokeRequest('add', done + i, 1);
    const results = await Promise.all(calls);
    if (results[n - 1] !== done + n) throw new Error(`wrong answer: ${String(results[n - 1])} for add(${done + n - 1}, 1)`);
    done += n;
  }
}

async function callsPhase(port: number, calls: number): Promise<void> {
  const pipes = await Promise.all(Array.from({ length: PIPES }, () => connect(port)));
  const per = Math.ceil(calls / PIPES);
  await Promise.all(pipes.map((rpc, i) => pipelined(rpc, Math.max(0, Math.min(per, calls - i * per)), WINDOW)));
  for (const rpc of pipes) rpc.close();
}

async function cyclesPhase(port: number, cycles: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < cycles) {
      const i = next++;
      const rpc = await connect(port);
      if ((await rpc.invokeRequest('echo', i)) !== i) throw new Error(`wrong echo in cycle ${i}`);
      rpc.close();
      await rpc.join(5000);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, cycles) }, worker));
}

/** `count` calls to `hold`, a window at a time, each aborted once sent: the server must end every handler through the cancel. */
async function cancelsPhase(port: number, count: number): Promise<void> {
  const rpc = await connect(port);
  for (let done = 0; done < count; ) {
    const n = Math.min(WINDOW, count - done);
    const aborts: AbortController[] = [];
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const ac = new AbortController();
      aborts.push(ac);
      calls.push(rpc.sendRequest('hold', [], { signal: ac.signal }).then(() => 'answered', (e: Error) => e.message));
    }
    // Let the requests leave (and the handlers start), then give up on all of them.
    await new Promise((r) => setTimeout(r, 1));
    for (const ac of aborts) ac.abort(new Error('cancelled by the soak'));
    const outcomes = await Promise.all(calls);
    const wrong = outcomes.find((o) => o !== 'cancelled by the soak');
    if (wrong !== undefined) throw new Error(`a cancelled call ended with ${String(wrong)}`);
    done += n;
  }
  rpc.close();
}

async function connsPhase(port: number, conns: number, control: JsonRpc): Promise<ServerStats> {
  const held: JsonRpc[] = [];
  try {
    for (let opened = 0; opened < conns; ) {
      const n = Math.min(250, conns - opened);
      const batch = await Promise.all(Array.from({ length: n }, () => connect(port)));
      await Promise.all(batch.map((rpc, i) => rpc.invokeRequest('echo', opened + i)));
      held.push(...batch);
      opened += n;
    }
    return (await control.invokeRequest('stats')) as ServerStats;
  } finally {
    for (const rpc of held) rpc.close();
  }
}

/**
 * Waits until only the control connection is left on the server, then
 * until its memory stops falling, and measures. A closed connection's last
 * pieces go a little after its 'close' (the stream's end, its drain timer
 * of up to 2 s), and V8 hands freed pages back over a few seconds: measured
 * at once, 5,000 connections just closed look like a leak they are not.
 */
async function settle(control: JsonRpc): Promise<ServerStats> {
  const stats = async () => (await control.invokeRequest('stats')) as ServerStats;
  const deadline = Date.now() + 30_000;
  let s = await stats();
  while (s.live > 1 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    s = await stats();
  }
  // At least SETTLE_MS (a 2 s drain timer, then V8's memory reducer), then
  // until three samples in a row stay within 1 %; at most 3 x SETTLE_MS.
  const quietBy = Date.now() + SETTLE_MS;
  const giveUp = Date.now() + 3 * SETTLE_MS;
  const step = Math.max(50, Math.min(500, SETTLE_MS / 10));
  let steady = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, step));
    const t = await stats();
    const moved = Math.abs(t.heapUsed - s.heapUsed) > s.heapUsed * 0.01 || Math.abs(t.rss - s.rss) > s.rss * 0.01;
    steady = moved ? 0 : steady + 1;
    s = t;
    if ((steady >= 3 && Date.now() >= quietBy) || Date.now() >= giveUp) return s;
  }
}

const MB = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const pct = (now: number, base: number) => ((now - base) / base) * 100;

async function drive(): Promise<number> {
  checkFileLimit();
  const t0 = Date.now();
  // eslint-disable-next-line prefer-const -- the killer below may read it before startServer() resolves: a const would still be in its TDZ
  let server: { child: ChildProcess; port: number } | undefined;
  const killer = setTimeout(() => {
    console.error(`soak: time limit of ${TIME_LIMIT_MS} ms passed; stopping`);
    server?.child.kill('SIGKILL');
    process.exit(2);
  }, TIME_LIMIT_MS);
  server = await startServer();
  const { port, child } = server;
  const control = await connect(port);
  console.log(`soak: calls=${CALLS} (window ${WINDOW} x ${PIPES} connections), cycles=${CYCLES} (${PARALLEL} at a time), conns=${CONNS}, cancels=${CANCELS}; server pid ${child.pid}`);
  try {
    const tenth = (n: number) => Math.ceil(n / 10);
    const w0 = Date.now();
    await callsPhase(port, tenth(CALLS));
    await cyclesPhase(port, tenth(CYCLES));
    await connsPhase(port, CONNS, control);
    await cancelsPhase(port, tenth(CANCELS));
    const base = await settle(control);
    console.log(`warm-up (${Date.now() - w0} ms): heap ${MB(base.heapUsed)}, rss ${MB(base.rss)}  <- baseline (server, after GC)`);

    let end = base;
    const phase = async (name: string, count: number, run: () => Promise<unknown>) => {
      const p0 = Date.now();
      const during = await run();
      const ms = Date.now() - p0;
      end = await settle(control);
      const rate = `${count} in ${ms} ms (${Math.round((count / Math.max(ms, 1)) * 1000)}/s)`;
      const held = during && typeof during === 'object' ? `; while held: heap ${MB((during as ServerStats).heapUsed)}, rss ${MB((during as ServerStats).rss)}, ${(during as ServerStats).live} live` : '';
      console.log(
        `${name.padEnd(6)} ${rate}: heap ${MB(end.heapUsed)} (${pct(end.heapUsed, base.heapUsed).toFixed(1)}%), rss ${MB(end.rss)} (${pct(end.rss, base.rss).toFixed(1)}%)${held}`,
      );
    };
    await phase('calls', CALLS, () => callsPhase(port, CALLS));
    await phase('cycles', CYCLES, () => cyclesPhase(port, CYCLES));
    await phase('conns', CONNS, () => connsPhase(port, CONNS, control));
    await phase('cancels', CANCELS, () => cancelsPhase(port, CANCELS));
    if (end.running !== 0) {
      console.error(`soak: FAIL: ${end.running} cancelled handlers still running`);
      return 1;
    }

    const heapGrowth = pct(end.heapUsed, base.heapUsed);
    const rssGrowth = pct(end.rss, base.rss);
    console.log(
      `end: heap ${MB(base.heapUsed)} -> ${MB(end.heapUsed)} (${heapGrowth.toFixed(1)}%), rss ${MB(base.rss)} -> ${MB(end.rss)} (${rssGrowth.toFixed(1)}%); ` +
        `${end.served} calls served in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (heapGrowth >= MAX_GROWTH || rssGrowth >= MAX_GROWTH) {
      console.error(`soak: FAIL: growth of ${MAX_GROWTH}% or more after warm-up`);
      return 1;
    }
    console.log(`soak: OK (growth under ${MAX_GROWTH}%)`);
    return 0;
  } finally {
    clearTimeout(killer);
    control.close();
    child.stdin!.end();
    const exited = once(child, 'exit');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}

if (process.argv.includes('--server')) {
  runServer();
} else {
  drive().then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error('soak: error:', err);
      process.exitCode = 3;
    },
  );
}
