/**
 * Turns one run's results into the printed report: rate tables, ratios,
 * resource use, and the PASS/FAIL lines for the performance goals. Pure
 * functions of the results, so a saved JSON can be re-rendered.
 */
import { ADAPTERS, BASELINE, type Kind } from './registry';
import { WORKLOADS, type Workload } from './types';

/** One measured repetition. */
export interface Sample {
  rate: number;
  cpuUsPerOp: number;
  ops: number;
  seconds: number;
}

/** Everything measured for one adapter × workload. */
export interface Cell {
  adapter: string;
  workload: Workload;
  samples: Sample[];
  /** Median of the samples' rates, operations per second. */
  rate: number;
  /** Median CPU µs (server + client) per operation. */
  cpuUsPerOp: number;
  /** Peak RSS of the server process over warm-up and all repetitions, bytes. */
  serverPeakRss: number;
  /** RSS of the same server process once listening, before any client, bytes. */
  serverIdleRss: number;
}

/** What run.ts writes to bench/results/<timestamp>.json. */
export interface Results {
  meta: Record<string, unknown>;
  cells: Cell[];
}

/** One evaluated goal. */
export interface Goal {
  status: 'PASS' | 'FAIL' | 'SKIP';
  text: string;
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmtRate(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(1);
}

const fmtRatio = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(2)}×`);

/** Bytes as MiB with one decimal, the same in the RSS table and the RSS goal. */
const fmtMiB = (v: number): string => (v / 2 ** 20).toFixed(1);

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** The row whose `value` beats every other's by `better` (the first on a tie), with that value; rows with none are skipped. */
function pick(
  rows: string[],
  value: (row: string) => number | undefined,
  better: (a: number, b: number) => boolean,
): [string, number] | undefined {
  let top: [string, number] | undefined;
  for (const row of rows) {
    const v = value(row);
    if (v !== undefined && (!top || better(v, top[1]))) top = [row, v];
  }
  return top;
}

function index(results: Results) {
  const byKey = new Map(results.cells.map((c) => [`${c.adapter}/${c.workload}`, c]));
  const cell = (a: string, w: Workload) => byKey.get(`${a}/${w}`);
  const adapters = ADAPTERS.filter((a) => results.cells.some((c) => c.adapter === a.name));
  const workloads = WORKLOADS.filter((w) => results.cells.some((c) => c.workload === w));
  return { cell, adapters, workloads };
}

/** The markdown tables of a run. */
export function renderTables(results: Results): string {
  const { cell, adapters, workloads } = index(results);
  const rate = (a: string, w: Workload) => cell(a, w)?.rate;
  const ratio = (a: string, b: string, w: Workload) => {
    const x = rate(a, w);
    const y = rate(b, w);
    return x !== undefined && y ? x / y : undefined;
  };
  const units: Record<Workload, string> = {
    seq: 'seq calls/s',
    pipe: 'pipe calls/s',
    notify: 'notify msgs/s',
    big: 'big calls/s',
    conn: 'conn conns/s',
  };
  const out: string[] = [];
  out.push('### Rates (median of repetitions; higher is better)\n');
  out.push(table(['adapter', ...workloads.map((w) => units[w])], adapters.map((a) => [a.name, ...workloads.map((w) => fmtRate(rate(a.name, w)))])));
  out.push(`\n### Ratio to ${BASELINE}\n`);
  out.push(table(['adapter', ...workloads], adapters.map((a) => [a.name, ...workloads.map((w) => fmtRatio(ratio(a.name, BASELINE, w)))])));
  out.push('\n### Ratio to the floors (row ÷ floor-raw / row ÷ floor-json)\n');
  out.push(
    table(
      ['adapter', ...workloads],
      adapters.map((a) => [a.name, ...workloads.map((w) => `${fmtRatio(ratio(a.name, 'floor-raw', w))} / ${fmtRatio(ratio(a.name, 'floor-json', w))}`)]),
    ),
  );
  out.push('\n### Server peak RSS, MiB (fresh server process per workload; idle = listening, no client yet)\n');
  const mib = (v: number | undefined) => (v !== undefined ? fmtMiB(v) : '–');
  const idle = (a: string) => {
    const xs = results.cells.filter((c) => c.adapter === a).map((c) => c.serverIdleRss);
    return xs.length ? median(xs) : undefined;
  };
  out.push(
    table(
      ['adapter', 'idle', ...workloads],
      adapters.map((a) => [a.name, mib(idle(a.name)), ...workloads.map((w) => mib(cell(a.name, w)?.serverPeakRss))]),
    ),
  );
  out.push('\n### CPU µs per operation (server + client processes; lower is better)\n');
  const cpu = (c: Cell | undefined) => (c ? c.cpuUsPerOp.toFixed(c.cpuUsPerOp >= 100 ? 0 : 2) : '–');
  out.push(table(['adapter', ...workloads], adapters.map((a) => [a.name, ...workloads.map((w) => cpu(cell(a.name, w)))])));
  return out.join('\n');
}

/**
 * The goals, evaluated for every bsonrpc row present. "Best peer"
 * is the fastest of the peer libraries (not the floors) in the same run.
 */
export function evaluateGoals(results: Results): Goal[] {
  const { cell, adapters } = index(results);
  const ofKind = (k: Kind) => adapters.filter((a) => a.kind === k).map((a) => a.name);
  const peers = ofKind('peer');
  const best = (w: Workload) => pick(peers, (p) => cell(p, w)?.rate, (a, b) => a > b);
  const goals: Goal[] = [];
  const atLeast = (row: string, w: Workload, factor: number, refName: string, ref: number | undefined, label: string) => {
    const x = cell(row, w)?.rate;
    if (x === undefined || ref === undefined) {
      goals.push({ status: 'SKIP', text: `${row} ${w} ≥ ${factor}× ${label}: not measured` });
      return;
    }
    const r = x / ref;
    goals.push({
      status: r >= factor ? 'PASS' : 'FAIL',
      text: `${row} ${w} ≥ ${factor}× ${label} (${refName}): ${r.toFixed(2)}× (${fmtRate(x)} vs ${fmtRate(ref)}/s)`,
    });
  };
  const vsBest = (row: string, w: Workload, factor: number, label = 'best peer') => {
    const top = best(w);
    atLeast(row, w, factor, top?.[0] ?? 'none', top?.[1], label);
  };
  const vsFloor = (row: string, w: Workload, factor: number) =>
    atLeast(row, w, factor, 'floor-json', cell('floor-json', w)?.rate, 'JSON floor');
  const lean = pick(peers, (p) => cell(p, 'pipe')?.serverPeakRss, (a, b) => a < b);
  for (const row of ofKind('bsonrpc')) {
    vsBest(row, 'seq', 1.15);
    vsFloor(row, 'seq', 0.85);
    vsBest(row, 'pipe', 1.2);
    vsFloor(row, 'pipe', 0.9);
    vsBest(row, 'notify', 1.1);
    if (row.endsWith('-bson')) vsBest(row, 'big', 4, 'best JSON peer (1 MiB Buffer vs 1 MiB string)');
    else vsBest(row, 'big', 1);
    const rss = cell(row, 'pipe')?.serverPeakRss;
    if (rss === undefined || !lean) {
      goals.push({ status: 'SKIP', text: `${row} pipe server peak RSS ≤ leanest peer: not measured` });
    } else {
      const m = (v: number) => `${fmtMiB(v)} MiB`;
      goals.push({
        status: rss <= lean[1] ? 'PASS' : 'FAIL',
        text: `${row} pipe server peak RSS ≤ leanest peer (${lean[0]}): ${m(rss)} vs ${m(lean[1])}`,
      });
    }
  }
  // Validation's cost (issue 15): design types must cost under 5% on seq and pipe; a zod schema is reported.
  for (const row of ofKind('validation')) {
    for (const w of ['seq', 'pipe'] as const) {
      const factor = row === 'bsonrpc-typed' ? 0.95 : 0.8;
      atLeast(row, w, factor, 'bsonrpc-ndjson', cell('bsonrpc-ndjson', w)?.rate, 'the same peer unvalidated');
    }
  }
  return goals;
}

/** The goal lines as printed: `PASS  text`. */
export function renderGoals(goals: Goal[]): string {
  return goals.map((g) => `${g.status}  ${g.text}`).join('\n');
}
