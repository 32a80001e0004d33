/**
 * The scale part of the report: one markdown table per workload and C, with
 * ratio columns against the best peer, and the PASS/FAIL lines of the
 * issue's scale goals (which report.ts's evaluateGoals appends to its own).
 * Pure functions of the results' `scale`, so a saved JSON can be re-rendered.
 */
import type { Goal } from '../report';
import type { ScaleCell, ScaleResults, ScaleWorkload } from './types';

/** The C the goals are judged at (the issue's); the nearest measured C otherwise. */
export const GOAL_CONNS = 1000;
/** Goal thresholds, from the issue. */
const FANIN_FACTOR = 1.5;
const FANOUT_FACTOR = 2;
const CORES_FACTOR = 1.7;
const IDLE_RSS_MAX = 8 * 1024;

const KiB = (b: number | undefined) => (b === undefined ? '–' : (b / 1024).toFixed(1));
const ms = (us: number | undefined) => (us === undefined ? '–' : (us / 1000).toFixed(us < 10_000 ? 2 : 1));
const us = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(x >= 100 ? 0 : 1));
const rate = (x: number | undefined) => (x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
const ratio = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(2)}×`);

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

function index(scale: ScaleResults) {
  const kind = new Map(scale.rows.map((r) => [r.name, r.kind]));
  const cell = (w: ScaleWorkload, a: string, c: number) => scale.cells.find((x) => x.workload === w && x.adapter === a && x.conns === c);
  const conns = (w: ScaleWorkload) => [...new Set(scale.cells.filter((x) => x.workload === w).map((x) => x.conns))].sort((a, b) => a - b);
  const rows = (w: ScaleWorkload) => scale.rows.map((r) => r.name).filter((a) => scale.cells.some((x) => x.workload === w && x.adapter === a));
  const ws = (a: string) => kind.get(a) === 'bsonrpc-ws' || kind.get(a) === 'ws-peer';
  /** The peer with the highest rate over the same transport as `a`. */
  const best = (w: ScaleWorkload, c: number, wsSide: boolean): ScaleCell | undefined => {
    let top: ScaleCell | undefined;
    for (const [name, k] of kind) {
      if (k !== (wsSide ? 'ws-peer' : 'peer')) continue;
      const x = cell(w, name, c);
      if (x?.rate !== undefined && (!top || x.rate > top.rate!)) top = x;
    }
    return top;
  };
  return { kind, cell, conns, rows, ws, best };
}

/** The markdown tables of the scale phase. */
export function renderScaleTables(scale: ScaleResults): string {
  const { cell, conns, rows, ws, best, kind } = index(scale);
  const out: string[] = [];
  const note = (x: ScaleCell | undefined) => x?.note ?? '';
  for (const c of conns('fanin')) {
    out.push(
      `\n#### fanin, C = ${c.toLocaleString('en-US')} (sequential echo calls on every connection; ratio to the best peer over the same transport)\n`,
    );
    out.push(
      table(
        ['adapter', 'calls/s', '÷ best peer', 'p50 ms', 'p99 ms', 'p99.9 ms', 'server µs/call', 'heap/conn KiB', 'RSS/conn KiB', 'note'],
        rows('fanin').map((a) => {
          const x = cell('fanin', a, c);
          const b = best('fanin', c, ws(a));
          return [
            a,
            rate(x?.rate),
            ratio(x?.rate !== undefined && b ? x.rate / b.rate! : undefined),
            ms(x?.latency?.p50),
            ms(x?.latency?.p99),
            ms(x?.latency?.p999),
            us(x?.serverUsPerOp),
            KiB(x?.heapPerConn),
            KiB(x?.rssPerConn),
            note(x),
          ];
        }),
      ),
    );
  }
  for (const c of conns('fanout')) {
    out.push(
      `\n#### fanout, C = ${c.toLocaleString('en-US')} (server notifies every connection; delay = receipt − send stamp per delivery; last client = per message, until every connection has it)\n`,
    );
    const sio = cell('fanout', 'socket.io', c)?.rate;
    out.push(
      table(
        [
          'adapter',
          'deliveries/s',
          '÷ best peer',
          '÷ socket.io',
          'delay p50 ms',
          'p99 ms',
          'last client p50 ms',
          'last client max ms',
          'server µs/delivery',
          'note',
        ],
        rows('fanout').map((a) => {
          const x = cell('fanout', a, c);
          const b = best('fanout', c, ws(a));
          const r = x?.rate;
          return [
            a,
            rate(r),
            ratio(r !== undefined && b ? r / b.rate! : undefined),
            ratio(r !== undefined && sio ? r / sio : undefined),
            ms(x?.latency?.p50),
            ms(x?.latency?.p99),
            ms(x?.last?.p50),
            ms(x?.last?.max),
            us(x?.serverUsPerOp),
            note(x),
          ];
        }),
      ),
    );
  }
  for (const c of conns('idle')) {
    out.push(`\n#### idle, C = ${c.toLocaleString('en-US')} (connections held, no traffic; server growth after gc ÷ C)\n`);
    out.push(
      table(
        ['adapter', 'heap/conn KiB', 'RSS/conn KiB', 'note'],
        rows('idle').map((a) => {
          const x = cell('idle', a, c);
          return [a, KiB(x?.heapPerConn), KiB(x?.rssPerConn), note(x)];
        }),
      ),
    );
  }
  for (const c of conns('cores')) {
    out.push(`\n#### cores, C = ${c.toLocaleString('en-US')} (fanin against bsonrpc with workers: 1 and 2)\n`);
    const w1 = scale.rows.find((r) => kind.get(r.name) === 'cores' && cell('cores', r.name, c))?.name;
    const base = w1 ? cell('cores', w1, c)?.rate : undefined;
    out.push(
      table(
        ['adapter', 'calls/s', `÷ ${w1 ?? 'workers: 1'}`, 'p50 ms', 'p99 ms', 'note'],
        rows('cores').map((a) => {
          const x = cell('cores', a, c);
          return [
            a,
            rate(x?.rate),
            ratio(x?.rate !== undefined && base ? x.rate / base : undefined),
            ms(x?.latency?.p50),
            ms(x?.latency?.p99),
            note(x),
          ];
        }),
      ),
    );
  }
  return out.join('\n');
}

/** The scale goals of the issue, for every bsonrpc row measured. */
export function evaluateScaleGoals(scale: ScaleResults | undefined): Goal[] {
  if (!scale) return [];
  const { kind, cell, conns, best } = index(scale);
  const goals: Goal[] = [];
  const at = (w: ScaleWorkload) => {
    const cs = conns(w);
    return cs.includes(GOAL_CONNS)
      ? GOAL_CONNS
      : cs.reduce<number | undefined>((p, c) => (p === undefined || Math.abs(c - GOAL_CONNS) < Math.abs(p - GOAL_CONNS) ? c : p), undefined);
  };
  const push = (ok: boolean | undefined, text: string) => goals.push({ status: ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL', text });
  const bsonrpc = [...kind].filter(([, k]) => k === 'bsonrpc' || k === 'bsonrpc-ws').map(([n]) => n);
  const atLeast = (w: ScaleWorkload, row: string, c: number, factor: number, ref: ScaleCell | undefined, label: string) => {
    const x = cell(w, row, c)?.rate;
    if (x === undefined || ref?.rate === undefined) return push(undefined, `${row} ${w} C=${c} ≥ ${factor}× ${label}: not measured`);
    const r = x / ref.rate;
    push(r >= factor, `${row} ${w} C=${c} ≥ ${factor}× ${label} (${ref.adapter}): ${r.toFixed(2)}× (${rate(x)} vs ${rate(ref.rate)}/s)`);
  };
  const fc = at('fanin');
  if (fc !== undefined) {
    for (const row of bsonrpc) {
      const ref = best('fanin', fc, kind.get(row) === 'bsonrpc-ws');
      atLeast('fanin', row, fc, FANIN_FACTOR, ref, 'best peer');
      const p99 = cell('fanin', row, fc)?.latency?.p99;
      const refP99 = ref?.latency?.p99;
      if (p99 === undefined || refP99 === undefined) push(undefined, `${row} fanin C=${fc} p99 ≤ best peer's: not measured`);
      else push(p99 <= refP99, `${row} fanin C=${fc} p99 ≤ best peer's (${ref!.adapter}): ${ms(p99)} vs ${ms(refP99)} ms`);
    }
  }
  const oc = at('fanout');
  if (oc !== undefined) {
    for (const row of bsonrpc) {
      if (kind.get(row) === 'bsonrpc') atLeast('fanout', row, oc, FANOUT_FACTOR, best('fanout', oc, false), 'best peer');
      atLeast('fanout', row, oc, FANOUT_FACTOR, cell('fanout', 'socket.io', oc), 'socket.io');
    }
  }
  const ic = conns('idle').at(-1);
  if (ic !== undefined) {
    let lean: ScaleCell | undefined;
    for (const [name, k] of kind) {
      const x = cell('idle', name, ic);
      if ((k === 'peer' || k === 'ws-peer') && x?.heapPerConn !== undefined && (!lean || x.heapPerConn < lean.heapPerConn!)) lean = x;
    }
    for (const row of bsonrpc) {
      const x = cell('idle', row, ic);
      if (x?.heapPerConn === undefined || !lean) push(undefined, `${row} idle C=${ic} heap/conn ≤ leanest peer: not measured`);
      else
        push(
          x.heapPerConn <= lean.heapPerConn!,
          `${row} idle C=${ic} heap/conn ≤ leanest peer (${lean.adapter}): ${KiB(x.heapPerConn)} vs ${KiB(lean.heapPerConn)} KiB`,
        );
      if (x?.rssPerConn !== undefined)
        push(x.rssPerConn <= IDLE_RSS_MAX, `${row} idle C=${ic} RSS/conn ≤ ${KiB(IDLE_RSS_MAX)} KiB: ${KiB(x.rssPerConn)} KiB`);
    }
  }
  for (const c of conns('cores')) {
    const cores = [...kind].filter(([, k]) => k === 'cores').map(([n]) => cell('cores', n, c));
    const [one, two] = [cores[0], cores[1]];
    if (one?.rate === undefined || two?.rate === undefined) push(undefined, `cores C=${c} ≥ ${CORES_FACTOR}× with 2 workers: not measured`);
    else
      push(
        two.rate / one.rate >= CORES_FACTOR,
        `cores C=${c} ${two.adapter} ≥ ${CORES_FACTOR}× ${one.adapter}: ${(two.rate / one.rate).toFixed(2)}× (${rate(two.rate)} vs ${rate(one.rate)} calls/s)`,
      );
  }
  return goals;
}
