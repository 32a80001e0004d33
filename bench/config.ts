/**
 * Run settings, from environment variables and a few flags, so a smoke
 * test can scale the run down without editing code.
 *
 *   BENCH_QUICK=1 | --quick       ~30 s smoke run (short budgets, 1 repetition)
 *   BENCH_ADAPTERS=a,b            only these rows (names as in registry.ts)
 *   BENCH_WORKLOADS=seq,pipe      only these workloads
 *   BENCH_REPS=5                  measured repetitions of seq/pipe/big/conn per adapter
 *   BENCH_NOTIFY_REPS=3           measured repetitions of notify (count-bound, so costlier)
 *   BENCH_SECONDS=0.6             time budget of one seq/pipe/big/conn repetition
 *   BENCH_WARMUP_SECONDS=0.3      warm-up budget per adapter before each workload
 *   BENCH_NOTIFY=200000           notifications per notify repetition
 *   BENCH_INFLIGHT=256            requests in flight for pipe
 *   BENCH_BIG_BYTES=1048576       size of the big payload
 *   BENCH_TIMEOUT_S=600           hard limit on the whole run; exits non-zero past it
 *                                 (default 600, or 1800 with scale workloads; quick 120 / 360)
 *
 * The scale workloads (fanin, fanout, idle, cores; bench/scale/) run after
 * the others and are named in BENCH_WORKLOADS like them:
 *   BENCH_SCALE_CONNS=100,1000,5000  values of C (connections) for fanin/fanout/idle
 *   BENCH_CORES_CONNS=1000        C for cores (bsonrpc with workers: 1 and 2 under fanin)
 *   BENCH_SCALE_PROCS=4           client processes the C connections are spread over
 *   BENCH_SCALE_REPS=3            measured repetitions per row (median shown)
 *   BENCH_SCALE_SECONDS=2         time of one fanin repetition
 *   BENCH_SCALE_DELIVERIES=100000 deliveries per fanout repetition (messages = this / C, at least 5)
 *   BENCH_SCALE_ADAPTERS=a,b      only these scale rows (names in bench/scale/registry.ts)
 *   BENCH_PROF=name               run that row's server and client children with
 *                                 --cpu-prof (profiles land in bench/results/prof/;
 *                                 summarise with bench/profile-summary.ts)
 *   BENCH_FLOOR_CORK=0            floors write each frame separately instead of one
 *                                 writev per tick (naive floors; see net-util.ts)
 *   BENCH_NO_SAVE=1 | --no-save   do not write bench/results/<timestamp>.json
 *   BENCH_STRICT=1 | --strict     exit 1 when a goal FAILs (default: report only)
 *   BENCH_BASELINE=<git rev>      add rows base-rfc7464, base-ndjson, base-bson: lib/ as
 *                                 it was at that revision, measured in the same run
 *                                 (before/after of a change; see build.ts)
 */
import { ADAPTERS, type AdapterEntry } from './registry';
import { SCALE_ROWS, type ScaleRow } from './scale/registry';
import { SCALE_WORKLOADS, type ScaleWorkload } from './scale/types';
import { WORKLOADS, type Workload } from './types';

/** Settings of the scale phase. */
export interface ScaleConfig {
  workloads: ScaleWorkload[];
  rows: ScaleRow[];
  conns: number[];
  coresConns: number;
  procs: number;
  reps: number;
  seconds: number;
  deliveries: number;
  /** Upper bound on calls per connection per fanin repetition. */
  maxCalls: number;
}

/** The resolved settings of one run. */
export interface BenchConfig {
  quick: boolean;
  adapters: AdapterEntry[];
  workloads: Workload[];
  reps: number;
  notifyReps: number;
  seconds: number;
  warmupSeconds: number;
  notifyCount: number;
  warmupNotifyCount: number;
  inflight: number;
  bigBytes: number;
  /** Upper bound on calls per time-boxed repetition. */
  maxCalls: number;
  timeoutSeconds: number;
  profile?: string;
  save: boolean;
  strict: boolean;
  scale: ScaleConfig;
}

function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return v;
}

function list<T extends string>(name: string, all: readonly T[]): T[] {
  const raw = process.env[name];
  if (!raw) return [...all];
  const want = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const w of want) if (!all.includes(w as T)) throw new Error(`${name}: unknown ${JSON.stringify(w)}; known: ${all.join(', ')}`);
  return all.filter((x) => want.includes(x));
}

const flag = (argv: string[], env: string, name: string): boolean =>
  argv.includes(name) || (process.env[env] !== undefined && process.env[env] !== '' && process.env[env] !== '0');

/** Reads the settings; throws on a malformed value rather than guessing. */
export function readConfig(argv: string[] = process.argv.slice(2)): BenchConfig {
  for (const a of argv) {
    if (!['--quick', '--no-save', '--strict'].includes(a)) throw new Error(`unknown argument ${a} (see bench/config.ts)`);
  }
  const quick = flag(argv, 'BENCH_QUICK', '--quick');
  const names = list('BENCH_ADAPTERS', ADAPTERS.map((a) => a.name));
  const all = list<Workload | ScaleWorkload>('BENCH_WORKLOADS', [...WORKLOADS, ...SCALE_WORKLOADS]);
  const scaleNames = list('BENCH_SCALE_ADAPTERS', SCALE_ROWS.map((r) => r.name));
  const scaleWorkloads = SCALE_WORKLOADS.filter((w) => all.includes(w));
  const conns = (process.env.BENCH_SCALE_CONNS ?? (quick ? '50,200' : '100,1000,5000')).split(',').map((c) => {
    const n = Number(c);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`BENCH_SCALE_CONNS: not a positive integer: ${JSON.stringify(c)}`);
    return n;
  });
  const notifyCount = Math.round(num('BENCH_NOTIFY', quick ? 20_000 : 200_000));
  return {
    quick,
    adapters: ADAPTERS.filter((a) => names.includes(a.name)),
    workloads: WORKLOADS.filter((w) => all.includes(w)),
    // Many short repetitions rather than few long ones: on a shared machine
    // a burst of outside load then spoils one sample, not the median.
    reps: Math.round(num('BENCH_REPS', quick ? 1 : 5)),
    notifyReps: Math.round(num('BENCH_NOTIFY_REPS', quick ? 1 : 3)),
    seconds: num('BENCH_SECONDS', quick ? 0.25 : 0.6),
    warmupSeconds: num('BENCH_WARMUP_SECONDS', quick ? 0.1 : 0.3),
    notifyCount,
    warmupNotifyCount: Math.max(1000, Math.round(notifyCount / 10)),
    inflight: Math.round(num('BENCH_INFLIGHT', 256)),
    bigBytes: Math.round(num('BENCH_BIG_BYTES', 1 << 20)),
    maxCalls: 2_000_000,
    timeoutSeconds: num('BENCH_TIMEOUT_S', (quick ? 120 : 600) + (scaleWorkloads.length ? (quick ? 240 : 1200) : 0)),
    profile: process.env.BENCH_PROF || undefined,
    save: !flag(argv, 'BENCH_NO_SAVE', '--no-save'),
    strict: flag(argv, 'BENCH_STRICT', '--strict'),
    scale: {
      workloads: scaleWorkloads,
      rows: SCALE_ROWS.filter((r) => scaleNames.includes(r.name)),
      conns,
      coresConns: Math.round(num('BENCH_CORES_CONNS', quick ? 200 : 1000)),
      procs: Math.round(num('BENCH_SCALE_PROCS', quick ? 2 : 4)),
      reps: Math.round(num('BENCH_SCALE_REPS', quick ? 1 : 3)),
      seconds: num('BENCH_SCALE_SECONDS', quick ? 0.5 : 2),
      deliveries: Math.round(num('BENCH_SCALE_DELIVERIES', quick ? 10_000 : 100_000)),
      maxCalls: 1_000_000,
    },
  };
}
