/**
 * `npm run bench:charts [results.json]`: one SVG bar chart per scale
 * workload (fanin, fanout, idle, cores) from a saved run (default: the
 * newest bench/results/*.json that has a scale part), written to
 * docs/img/scale-<workload>.svg for docs/performance.md. Hand-written SVG,
 * no dependency: one block of horizontal bars per C, each block scaled to
 * its own largest value, bsonrpc rows in blue, peers grey.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../scripts/transpile';
import type { Results } from './report';
import type { ScaleCell, ScaleResults, ScaleWorkload } from './scale/types';

const WIDTH = 860;
const LABEL = 150;
const BAR_MAX = 470;
const BAR = 14;
const GAP = 4;
const COLORS: Record<string, string> = {
  bsonrpc: '#2563eb',
  'bsonrpc-ws': '#60a5fa',
  cores: '#2563eb',
  peer: '#9ca3af',
  'ws-peer': '#6b7280',
  floor: '#d1d5db',
};

interface Spec {
  title: string;
  value: (c: ScaleCell) => number | undefined;
  text: (c: ScaleCell) => string;
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const kib = (b: number | undefined) => (b === undefined ? '–' : `${(b / 1024).toFixed(1)} KiB`);
const ms = (us: number | undefined) => (us === undefined ? '–' : `${(us / 1000).toFixed(1)} ms`);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

const SPECS: Record<ScaleWorkload, Spec> = {
  fanin: {
    title: 'fanin: calls/s, C connections calling sequentially (higher is better)',
    value: (c) => c.rate,
    text: (c) => `${n(c.rate!)}/s · p99 ${ms(c.latency?.p99)}`,
  },
  fanout: {
    title: 'fanout: deliveries/s, server notifies all C (higher is better)',
    value: (c) => c.rate,
    text: (c) => `${n(c.rate!)}/s · last client p50 ${ms(c.last?.p50)}`,
  },
  idle: {
    title: 'idle: server heap per connection, after gc (lower is better)',
    value: (c) => c.heapPerConn,
    text: (c) => `${kib(c.heapPerConn)} heap · ${kib(c.rssPerConn)} RSS`,
  },
  cores: {
    title: 'cores: bsonrpc fanin calls/s with workers: 1 and 2 (higher is better)',
    value: (c) => c.rate,
    text: (c) => `${n(c.rate!)}/s · p99 ${ms(c.latency?.p99)}`,
  },
};

/** The SVG of one workload, or undefined when the run has none of it. */
export function chart(scale: ScaleResults, w: ScaleWorkload, started: string): string | undefined {
  const spec = SPECS[w];
  const kind = new Map(scale.rows.map((r) => [r.name, r.kind]));
  const cells = scale.cells.filter((c) => c.workload === w && spec.value(c) !== undefined);
  if (!cells.length) return undefined;
  const conns = [...new Set(cells.map((c) => c.conns))].sort((a, b) => a - b);
  const parts: string[] = [];
  let y = 44;
  for (const c of conns) {
    const block = scale.rows.map((r) => cells.find((x) => x.adapter === r.name && x.conns === c)).filter((x): x is ScaleCell => !!x);
    const max = Math.max(...block.map((x) => spec.value(x)!), 1e-9);
    parts.push(`<text x="8" y="${y + 12}" font-weight="bold">C = ${n(c)}</text>`);
    y += 20;
    for (const x of block) {
      const v = spec.value(x)!;
      const wBar = Math.max(1, (Math.max(0, v) / max) * BAR_MAX);
      parts.push(`<text x="${LABEL - 6}" y="${y + BAR - 3}" text-anchor="end">${esc(x.adapter)}</text>`);
      parts.push(
        `<rect x="${LABEL}" y="${y}" width="${wBar.toFixed(1)}" height="${BAR}" fill="${COLORS[kind.get(x.adapter) ?? 'peer'] ?? '#9ca3af'}"/>`,
      );
      parts.push(`<text x="${(LABEL + wBar + 4).toFixed(1)}" y="${y + BAR - 3}" fill="#374151">${esc(spec.text(x))}</text>`);
      y += BAR + GAP;
    }
    y += 10;
  }
  const head = `<text x="8" y="18" font-weight="bold" font-size="13">${esc(spec.title)}</text><text x="8" y="34" fill="#6b7280">npm run bench, ${esc(started)}; median of repetitions; one block per C, each scaled to its own largest bar</text>`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 8}" viewBox="0 0 ${WIDTH} ${y + 8}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    head,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/** The newest results file with a scale part. */
function newest(): string {
  const dir = path.join(ROOT, 'bench', 'results');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .reverse();
  for (const f of files) {
    const r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Results;
    if (r.scale) return path.join(dir, f);
  }
  throw new Error('no bench/results/*.json with scale workloads; run e.g. BENCH_WORKLOADS=fanin,fanout,idle,cores npm run bench');
}

function main(): void {
  const file = process.argv[2] ? path.resolve(process.argv[2]) : newest();
  const results = JSON.parse(fs.readFileSync(file, 'utf8')) as Results;
  if (!results.scale) throw new Error(`${file}: no scale workloads in this run`);
  const out = path.join(ROOT, 'docs', 'img');
  fs.mkdirSync(out, { recursive: true });
  for (const w of ['fanin', 'fanout', 'idle', 'cores'] as const) {
    const svg = chart(results.scale, w, String(results.meta.started));
    if (!svg) continue;
    const target = path.join(out, `scale-${w}.svg`);
    fs.writeFileSync(target, svg);
    process.stderr.write(`[bench] wrote ${path.relative(ROOT, target)}\n`);
  }
}

if (require.main === module) main();
