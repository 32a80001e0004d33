/**
 * `npm run bench`: the orchestrator. For each workload it starts a fresh
 * server child and client child per adapter (127.0.0.1, ephemeral ports),
 * warms every pair up, then measures the adapters round-robin (rotating
 * the starting adapter each repetition, so none always runs first or
 * last) and takes the median. Prints markdown tables and PASS/FAIL goal
 * lines to stdout, progress to stderr, and saves the JSON under
 * bench/results/.
 *
 * Everything is bounded: each child request has a deadline, each workload
 * is bounded in time and count, and a hard timeout kills the whole run.
 * Any adapter error aborts with a non-zero exit code.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { build, ROOT } from './build';
import { cpuShares, cpuTicks, machine, version } from './host';
import { readConfig, type BenchConfig } from './config';
import { Child, killAll } from './proc';
import { ADAPTERS, type AdapterEntry } from './registry';
import { evaluateGoals, median, renderGoals, renderTables, type Cell, type Results, type Sample } from './report';
import { renderScaleTables } from './scale/report';
import { runScale } from './scale/run';
import type { ChildUsage, RunResult, RunSpec, Workload } from './types';

const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);

interface Pair {
  entry: AdapterEntry;
  server: Child;
  client: Child;
  /** Server RSS once listening, before the client connected. */
  idleRss: number;
}

const START_TIMEOUT_MS = 30_000;
const USAGE_TIMEOUT_MS = 10_000;

function spec(cfg: BenchConfig, workload: Workload, warmup: boolean): RunSpec {
  return {
    workload,
    seconds: warmup ? cfg.warmupSeconds : cfg.seconds,
    maxCalls: cfg.maxCalls,
    notifyCount: warmup ? cfg.warmupNotifyCount : cfg.notifyCount,
    inflight: cfg.inflight,
    bigBytes: cfg.bigBytes,
  };
}

/** Generous per-run deadline: the budget plus slack; notify is count-bound, not time-bound. */
function runTimeoutMs(s: RunSpec): number {
  return s.workload === 'notify' ? 180_000 : s.seconds * 1000 + 60_000;
}

async function startPair(cfg: BenchConfig, entry: AdapterEntry, workload: Workload): Promise<Pair> {
  const profile = (role: string): string[] => {
    if (cfg.profile !== entry.name) return [];
    const dir = path.join(ROOT, 'bench', 'results', 'prof');
    fs.mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${entry.name}-${workload}-${role}.cpuprofile`];
  };
  const server = new Child(`server ${entry.name}`, profile('server'));
  const ids = { module: entry.module, variant: entry.variant };
  const port = await server.request<number>({ op: 'serve', ...ids }, START_TIMEOUT_MS);
  const { rss: idleRss } = await server.request<ChildUsage>({ op: 'usage' }, USAGE_TIMEOUT_MS);
  const client = new Child(`client ${entry.name}`, profile('client'));
  await client.request({ op: 'client', ...ids, port }, START_TIMEOUT_MS);
  return { entry, server, client, idleRss };
}

async function measure(p: Pair, s: RunSpec): Promise<Sample> {
  const before = await p.server.request<ChildUsage>({ op: 'usage' }, USAGE_TIMEOUT_MS);
  const r = await Promise.race([p.client.request<RunResult>({ op: 'run', spec: s }, runTimeoutMs(s)), p.server.died]);
  const after = await p.server.request<ChildUsage>({ op: 'usage' }, USAGE_TIMEOUT_MS);
  if (r.ops <= 0 || r.seconds <= 0) throw new Error(`${p.entry.name} ${s.workload}: no operations completed`);
  return {
    rate: r.ops / r.seconds,
    cpuUsPerOp: (r.cpuUs + after.cpuUs - before.cpuUs) / r.ops,
    ops: r.ops,
    seconds: r.seconds,
  };
}

/** Runs one workload over every adapter: fresh processes, warm-up, interleaved repetitions. */
async function runWorkload(cfg: BenchConfig, workload: Workload): Promise<Cell[]> {
  const pairs: Pair[] = [];
  const t0 = performance.now();
  try {
    // Start-up is not measured, so start every pair at once; allSettled so
    // that on a failure the pairs that did start are still stopped below.
    const started = await Promise.allSettled(cfg.adapters.map((entry) => startPair(cfg, entry, workload)));
    for (const s of started) if (s.status === 'fulfilled') pairs.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    log(`${workload}: ${pairs.length * 2} children up in ${((performance.now() - t0) / 1000).toFixed(1)} s; warm-up`);
    for (const p of pairs) await measure(p, spec(cfg, workload, true));
    const samples = new Map<string, Sample[]>(pairs.map((p) => [p.entry.name, []]));
    const reps = workload === 'notify' ? cfg.notifyReps : cfg.reps;
    // Start each repetition at a different row, spread over the list, so
    // that no row always runs early or late (outside load drifts in time).
    const stride = Math.max(1, Math.ceil(pairs.length / reps));
    for (let rep = 0; rep < reps; rep++) {
      for (let i = 0; i < pairs.length; i++) {
        const p = pairs[(i + rep * stride) % pairs.length];
        const sample = await measure(p, spec(cfg, workload, false));
        samples.get(p.entry.name)!.push(sample);
        log(`${workload} rep ${rep + 1}/${reps} ${p.entry.name}: ${Math.round(sample.rate).toLocaleString('en-US')}/s`);
      }
    }
    const cells: Cell[] = [];
    for (const p of pairs) {
      const usage = await p.server.request<ChildUsage>({ op: 'usage' }, USAGE_TIMEOUT_MS);
      const s = samples.get(p.entry.name)!;
      cells.push({
        adapter: p.entry.name,
        workload,
        samples: s,
        rate: median(s.map((x) => x.rate)),
        cpuUsPerOp: median(s.map((x) => x.cpuUsPerOp)),
        serverPeakRss: usage.maxRss,
        serverIdleRss: p.idleRss,
      });
    }
    return cells;
  } finally {
    const t1 = performance.now();
    await Promise.all(pairs.map((p) => p.client.stop()));
    await Promise.all(pairs.map((p) => p.server.stop()));
    log(`${workload}: children stopped in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }
}

function save(results: Results, stamp: string): string {
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${stamp}.json`);
  // Write-then-rename: an interrupted run leaves only a *.tmp (gitignored).
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(results, null, 2) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

async function main(): Promise<number> {
  const cfg = readConfig();
  const hard = setTimeout(() => {
    log(`FATAL: hard timeout of ${cfg.timeoutSeconds} s reached; killing children`);
    killAll();
    process.exit(2);
  }, cfg.timeoutSeconds * 1000);
  const started = new Date();
  const t0 = performance.now();
  log(`transpiled ${build()} files into bench/.build`);
  log(`adapters: ${cfg.adapters.map((a) => a.name).join(', ')}; workloads: ${[...cfg.workloads, ...cfg.scale.workloads].join(', ')}; reps: ${cfg.reps} (notify ${cfg.notifyReps})`);
  const loadBefore = os.loadavg();
  const ticksBefore = cpuTicks();
  const cells: Cell[] = [];
  for (const w of cfg.workloads) cells.push(...(await runWorkload(cfg, w)));
  const scale = cfg.scale.workloads.length ? await runScale(cfg.scale, log) : undefined;
  const shares = cpuShares(ticksBefore, cpuTicks());
  const loadAfter = os.loadavg();
  const m = machine();
  const results: Results = {
    meta: {
      started: started.toISOString(),
      wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
      machine: m,
      loadavgBefore: loadBefore,
      loadavgAfter: loadAfter,
      // Machine-wide shares of CPU time over the run (busy includes this bench).
      cpuShares: shares,
      config: { ...cfg, adapters: cfg.adapters.map((a) => a.name), scale: undefined },
      adapters: cfg.adapters.map((a) => ({ name: a.name, note: a.note })),
      // Every peer library (all rows, not just this run's), then the codec and the compiler.
      versions: Object.fromEntries([
        ...ADAPTERS.flatMap((a) => (a.pkg ? [[a.pkg, a.version]] : [])),
        ...['socket.io', 'socket.io-client', 'hdr-histogram-js', 'bson', 'typescript'].map((p) => [p, version(p)]),
      ]),
    },
    cells,
    scale,
  };
  clearTimeout(hard);
  const pct = (x: number) => `${Math.round(100 * x)}%`;
  const busyLine = shares
    ? `CPU over the run, machine-wide: ${pct(shares.busy)} busy (this bench included), ${pct(shares.idle)} idle, ${pct(shares.steal)} stolen by the hypervisor.`
    : '';
  const goals = evaluateGoals(results);
  const out = [
    `## bsonrpc benchmark — ${results.meta.started}`,
    '',
    `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; ` +
      `load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after; run took ${results.meta.wallSeconds} s.`,
    busyLine,
    ...(cells.length
      ? [
          `Repetitions: ${cfg.reps} of ${cfg.seconds} s each (notify: ${cfg.notifyReps}); median shown; notify ${cfg.notifyCount.toLocaleString('en-US')} messages; pipe ${cfg.inflight} in flight; big ${cfg.bigBytes} bytes.`,
          '',
          renderTables(results),
          '',
        ]
      : []),
    ...(scale
      ? [
          '### At scale',
          '',
          `C connections spread over ${cfg.scale.procs} client processes per row; ${cfg.scale.reps} repetitions, median shown; fanin ${cfg.scale.seconds} s; ` +
            `fanout ${cfg.scale.deliveries.toLocaleString('en-US')} deliveries per repetition; latencies from HDR histograms merged across client processes.`,
          renderScaleTables(scale),
          '',
        ]
      : []),
    '### Goals',
    '',
    '```',
    renderGoals(goals),
    '```',
  ];
  process.stdout.write(out.join('\n') + '\n');
  if (cfg.save) log(`saved ${path.relative(ROOT, save(results, started.toISOString().replace(/[:.]/g, '-')))}`);
  return cfg.strict && goals.some((g) => g.status === 'FAIL') ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: killing children`);
    killAll();
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`FATAL: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    killAll();
    process.exit(1);
  },
);
