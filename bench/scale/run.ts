/**
 * The scale phase of `npm run bench`: fanin, fanout and idle at each C of
 * BENCH_SCALE_CONNS, then cores. For each C every row gets a server child
 * (with --expose-gc) and BENCH_SCALE_PROCS client children holding the C
 * connections between them; all rows stay up while the repetitions run
 * round-robin over them (starting at a different row each repetition, as
 * run.ts does), and are stopped before the next C so ports and fds recycle.
 *
 * A row that fails (start, connect, a run) is dropped from its group with
 * the error in its note; the other rows go on. Every request has a deadline;
 * run.ts's hard timeout bounds the whole.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../build';
import type { ScaleConfig } from '../config';
import { Child } from '../proc';
import { median } from '../report';
import { mergePercentiles } from './hist';
import { Progress } from './progress';
import { rowRuns, type ScaleRow } from './registry';
import type {
  BroadcastResult,
  ClientRequest,
  FaninResult,
  FanoutResult,
  Percentiles,
  ScaleCell,
  ScaleResults,
  ScaleSample,
  ScaleWorkload,
  ServerRequest,
  ServerUsage,
} from './types';

type Log = (s: string) => void;

interface Pair {
  row: ScaleRow;
  server: Child<ServerRequest>;
  clients: Child<ClientRequest>[];
  /** Server usage after a gc, listening, before any client. */
  base: ServerUsage;
}

interface Group {
  conns: number;
  rows: ScaleRow[];
  /** fanin/fanout/idle, or ['cores'] (a fanin of the cores rows). */
  workloads: ScaleWorkload[];
}

const START_MS = 30_000;
const USAGE_MS = 20_000;
/** How long settling connections get before `idle` is read. */
const SETTLE_MS = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (us: number) => (us / 1000).toFixed(us < 10_000 ? 2 : 1);

/** Node flags that write a CPU profile named `name` into bench/results/prof/. */
function profileFlags(name: string): string[] {
  const dir = path.join(ROOT, 'bench', 'results', 'prof');
  fs.mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`];
}

/** Splits `n` into `parts` near-equal positive counts. */
function split(n: number, parts: number): number[] {
  const p = Math.max(1, Math.min(parts, n));
  return Array.from({ length: p }, (_, i) => Math.floor(n / p) + (i < n % p ? 1 : 0));
}

/** Estimated seconds of each kind of step, for the progress line. */
function estimates(cfg: ScaleConfig, conns: number) {
  return {
    start: 1 + conns / 1500,
    fanin: cfg.seconds + 0.4,
    fanout: (Math.max(5, Math.ceil(cfg.deliveries / conns)) * conns) / 40_000 + 0.4,
    stop: 0.5 + conns / 5000,
  };
}

async function startPair(cfg: ScaleConfig, row: ScaleRow, conns: number, ticks: boolean): Promise<Pair> {
  // BENCH_PROF=<row> profiles that row's server too (one profile per C), as it does the single-connection rows.
  const prof = process.env.BENCH_PROF === row.name ? profileFlags(`${row.name}-scale-${conns}-server`) : [];
  const server = new Child<ServerRequest>(`scale server ${row.name}`, ['--expose-gc', ...prof], 'scale/server-child.js');
  const pair: Pair = { row, server, clients: [], base: { rss: 0, heapUsed: 0, cpuUs: 0 } };
  try {
    const port = await server.request<number>({ op: 'serve', module: row.module, variant: row.variant, workers: row.workers }, START_MS);
    pair.base = await server.request<ServerUsage>({ op: 'usage', gc: true }, USAGE_MS);
    const counts = split(conns, cfg.procs);
    pair.clients = counts.map((_, i) => new Child<ClientRequest>(`scale client ${row.name} #${i + 1}`, [], 'scale/client-child.js'));
    const connect = pair.clients.map((c, i) =>
      c.request({ op: 'connect', module: row.module, variant: row.variant, port, count: counts[i], ticks }, START_MS + conns * 20),
    );
    await Promise.race([Promise.all(connect), server.died]);
    return pair;
  } catch (err) {
    await stopPair(pair);
    throw err;
  }
}

async function stopPair(p: Pair): Promise<void> {
  await Promise.all(p.clients.map((c) => c.stop(15_000)));
  await p.server.stop(10_000);
}

/** One fanin repetition: every client child runs it at once; rates add up, histograms merge. */
async function fanin(cfg: ScaleConfig, p: Pair, seconds: number): Promise<ScaleSample> {
  const before = await serverCpu(p);
  const runs = p.clients.map((c) => c.request<FaninResult>({ op: 'fanin', seconds, maxCalls: cfg.maxCalls }, seconds * 1000 + 60_000));
  const rs = await Promise.race([Promise.all(runs), p.server.died]);
  const calls = rs.reduce((a, r) => a + r.calls, 0);
  // A short warm-up at large C may see no call finish within its time; none finishing at all is a failure.
  if (rs.reduce((a, r) => a + r.completed, 0) <= 0) throw new Error(`${p.row.name} fanin: no call completed`);
  const { count: _, ...lat } = mergePercentiles(rs.map((r) => r.hist));
  const completed = rs.reduce((a, r) => a + r.completed, 0);
  const serverUsPerOp = before === undefined ? undefined : ((await serverCpu(p))! - before) / completed;
  return { rate: rs.reduce((a, r) => a + r.calls / r.seconds, 0), ops: calls, seconds: Math.max(...rs.map((r) => r.seconds)), serverUsPerOp, ...lat };
}

/** One fanout repetition: `messages` broadcasts; done when every client has every one. */
async function fanout(p: Pair, conns: number, messages: number): Promise<{ sample: ScaleSample; path: string }> {
  await Promise.all(p.clients.map((c) => c.request({ op: 'arm' }, USAGE_MS)));
  const before = await serverCpu(p);
  const timeoutMs = 120_000;
  const waits = p.clients.map((c) => c.request<FanoutResult>({ op: 'await', messages, timeoutMs }, timeoutMs + 10_000));
  const sent = p.server.request<BroadcastResult>({ op: 'broadcast', count: messages }, timeoutMs);
  const [b, rs] = await Promise.race([Promise.all([sent, Promise.all(waits)]), p.server.died]);
  const deliveries = rs.reduce((a, r) => a + r.deliveries, 0);
  if (deliveries !== conns * messages) throw new Error(`${p.row.name} fanout: ${deliveries} of ${conns * messages} deliveries`);
  const seconds = (Math.max(...rs.map((r) => r.last)) - b.start) / 1000;
  const { count: _, ...lat } = mergePercentiles(rs.map((r) => r.hist));
  // Per message, the latest receipt over every process: when the last client had it.
  const latest = new Map<number, number>();
  for (const r of rs) for (const [stamp, t] of r.lastBy) latest.set(stamp, Math.max(t, latest.get(stamp) ?? 0));
  const lastWaits = [...latest].map(([stamp, t]) => (t - stamp) * 1000);
  const last = { lastP50: median(lastWaits), lastMax: Math.max(...lastWaits) };
  const serverUsPerOp = before === undefined ? undefined : ((await serverCpu(p))! - before) / deliveries;
  return { sample: { rate: deliveries / seconds, ops: deliveries, seconds, serverUsPerOp, ...lat, ...last }, path: b.path };
}

/** The server process's CPU so far, µs; undefined for a cluster row (its primary does not serve). */
async function serverCpu(p: Pair): Promise<number | undefined> {
  if (p.row.workers !== undefined) return undefined;
  return (await p.server.request<ServerUsage>({ op: 'usage', gc: false }, USAGE_MS)).cpuUs;
}

/** Per-connection growth of the server's heap and RSS since `base`, after a gc. */
async function perConn(p: Pair, conns: number): Promise<{ heapPerConn: number; rssPerConn: number }> {
  const u = await p.server.request<ServerUsage>({ op: 'usage', gc: true }, USAGE_MS);
  return { heapPerConn: (u.heapUsed - p.base.heapUsed) / conns, rssPerConn: (u.rss - p.base.rss) / conns };
}

function summarize(workload: ScaleWorkload, row: string, conns: number, samples: ScaleSample[], extra: Partial<ScaleCell>): ScaleCell {
  const m = (k: keyof Percentiles | 'rate') => median(samples.map((s) => s[k]));
  const latency = samples.length ? { p50: m('p50'), p99: m('p99'), p999: m('p999'), max: m('max') } : undefined;
  const withCpu = samples.filter((s) => s.serverUsPerOp !== undefined);
  const serverUsPerOp = withCpu.length ? median(withCpu.map((s) => s.serverUsPerOp!)) : undefined;
  const withLast = samples.filter((s) => s.lastP50 !== undefined);
  const last = withLast.length ? { p50: median(withLast.map((s) => s.lastP50!)), max: median(withLast.map((s) => s.lastMax!)) } : undefined;
  return { workload, adapter: row, conns, samples, rate: samples.length ? m('rate') : undefined, latency, serverUsPerOp, last, ...extra };
}

/** Runs one group (one C): start every row, idle, warm-up, interleaved fanin and fanout repetitions, stop. */
async function runGroup(cfg: ScaleConfig, g: Group, progress: Progress, log: Log): Promise<ScaleCell[]> {
  const est = estimates(cfg, g.conns);
  const cells: ScaleCell[] = [];
  const failed = (w: ScaleWorkload, row: string, err: unknown) => {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    log(`${w} C=${g.conns} ${row}: FAILED: ${msg}`);
    cells.push({ workload: w, adapter: row, conns: g.conns, samples: [], note: `failed: ${msg}` });
  };
  const pairs: Pair[] = [];
  /** Rows dropped after a failure: stopped with the others at the end. */
  const dropped: Pair[] = [];
  const wantTicks = g.workloads.includes('fanout');
  try {
    for (const row of g.rows) {
      const t0 = performance.now();
      try {
        pairs.push(await startPair(cfg, row, g.conns, wantTicks));
        log(`${g.workloads.join('+')} C=${g.conns} ${row.name}: up in ${((performance.now() - t0) / 1000).toFixed(1)} s … ${progress.left()}`);
      } catch (err) {
        for (const w of g.workloads) failed(w, row.name, err);
      }
      progress.step(est.start);
    }
    if (g.workloads.includes('idle')) {
      await sleep(SETTLE_MS);
      for (const p of pairs) {
        await perConn(p, g.conns).then(
          (mem) => cells.push({ workload: 'idle', adapter: p.row.name, conns: g.conns, samples: [], ...mem }),
          (err: unknown) => failed('idle', p.row.name, err),
        );
      }
    }
    const reps = cfg.reps;
    const stride = (n: number) => Math.max(1, Math.ceil(n / reps));
    const drop = (p: Pair) => dropped.push(...pairs.splice(pairs.indexOf(p), 1));
    // fanin (or cores, which is a fanin of the cores rows)
    const faninName = g.workloads.includes('cores') ? 'cores' : g.workloads.includes('fanin') ? 'fanin' : undefined;
    if (faninName) {
      const samples = new Map<Pair, ScaleSample[]>(pairs.map((p) => [p, []]));
      for (const p of [...pairs]) await fanin(cfg, p, Math.min(0.5, cfg.seconds)).catch((err) => (failed(faninName, p.row.name, err), drop(p)));
      for (let rep = 0; rep < reps; rep++) {
        const order = pairs.map((_, i) => pairs[(i + rep * stride(pairs.length)) % pairs.length]);
        for (const p of order) {
          try {
            const s = await fanin(cfg, p, cfg.seconds);
            samples.get(p)!.push(s);
            log(`${faninName} C=${g.conns} ${p.row.name} rep ${rep + 1}/${reps}: ${fmt(s.rate)} calls/s, p99 ${ms(s.p99)} ms … ${progress.left()}`);
          } catch (err) {
            failed(faninName, p.row.name, err);
            drop(p);
          }
          progress.step(est.fanin);
        }
      }
      for (const p of pairs) {
        const mem = faninName === 'fanin' ? await perConn(p, g.conns) : {};
        cells.push(summarize(faninName, p.row.name, g.conns, samples.get(p)!, mem));
      }
    }
    if (wantTicks) {
      const messages = Math.max(5, Math.ceil(cfg.deliveries / g.conns));
      const samples = new Map<Pair, ScaleSample[]>(pairs.map((p) => [p, []]));
      const paths = new Map<Pair, string>();
      for (const p of dropped)
        cells.push({ workload: 'fanout', adapter: p.row.name, conns: g.conns, samples: [], note: 'not run: the row failed in fanin' });
      for (const p of [...pairs]) await fanout(p, g.conns, Math.min(messages, 5)).catch((err) => (failed('fanout', p.row.name, err), drop(p)));
      for (let rep = 0; rep < reps; rep++) {
        const order = pairs.map((_, i) => pairs[(i + rep * stride(pairs.length)) % pairs.length]);
        for (const p of order) {
          try {
            const { sample: s, path } = await fanout(p, g.conns, messages);
            samples.get(p)!.push(s);
            paths.set(p, path);
            log(
              `fanout C=${g.conns} ${p.row.name} rep ${rep + 1}/${reps}: ${fmt(s.rate)} deliveries/s, p99 delay ${ms(s.p99)} ms (${path}) … ${progress.left()}`,
            );
          } catch (err) {
            failed('fanout', p.row.name, err);
            drop(p);
          }
          progress.step(est.fanout);
        }
      }
      for (const p of pairs)
        cells.push(summarize('fanout', p.row.name, g.conns, samples.get(p)!, { note: `${messages} messages × ${g.conns}; ${paths.get(p)}` }));
    }
    return cells;
  } finally {
    const t1 = performance.now();
    await Promise.all([...pairs, ...dropped].map(stopPair));
    progress.step(est.stop * g.rows.length);
    log(`C=${g.conns}: ${pairs.length} rows stopped in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }
}

/** The groups of the plan: one per C for fanin/fanout/idle, then one for cores. */
function groups(cfg: ScaleConfig): Group[] {
  const out: Group[] = [];
  const main = cfg.workloads.filter((w) => w !== 'cores');
  if (main.length) for (const conns of cfg.conns) out.push({ conns, rows: cfg.rows.filter((r) => rowRuns(r, 'fanin')), workloads: main });
  if (cfg.workloads.includes('cores')) out.push({ conns: cfg.coresConns, rows: cfg.rows.filter((r) => rowRuns(r, 'cores')), workloads: ['cores'] });
  return out.filter((g) => g.rows.length > 0);
}

/** The soft limit on open files of this process (children inherit it), from /proc; undefined elsewhere. */
function fdLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the whole scale phase. */
export async function runScale(cfg: ScaleConfig, log: Log): Promise<ScaleResults> {
  const plan = groups(cfg);
  // A server child holds C sockets (plus ~100 of its own): fail now, clearly, rather than with EMFILE mid-run.
  const limit = fdLimit();
  const most = Math.max(0, ...plan.map((g) => g.conns));
  if (limit !== undefined && most + 200 > limit)
    throw new Error(`C = ${most} needs more open files than ulimit -n allows (${limit}); raise it or lower BENCH_SCALE_CONNS`);
  const progress = new Progress();
  for (const g of plan) {
    const e = estimates(cfg, g.conns);
    const n = g.rows.length;
    progress.plan(n * e.start + n * e.stop);
    if (g.workloads.includes('fanin') || g.workloads.includes('cores')) progress.plan(n * cfg.reps * e.fanin);
    if (g.workloads.includes('fanout')) progress.plan(n * cfg.reps * e.fanout);
  }
  log(
    `scale: ${plan.map((g) => `${g.workloads.join('+')} at C=${g.conns} (${g.rows.length} rows)`).join(', ')}; ${cfg.procs} client processes per row; reps ${cfg.reps}; planned ${progress.left()}`,
  );
  const cells: ScaleCell[] = [];
  for (const g of plan) cells.push(...(await runGroup(cfg, g, progress, log)));
  return {
    config: { ...cfg, rows: cfg.rows.map((r) => r.name) },
    rows: cfg.rows.map((r) => ({ name: r.name, note: r.note, kind: r.kind })),
    cells,
  };
}
