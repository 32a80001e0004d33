/**
 * Summarises a V8 .cpuprofile (from `BENCH_PROF=<row> npm run bench`):
 * the functions with the most self time, and the most inclusive time, so
 * hot paths can be read without a browser.
 *
 *   npx ts-node -T bench/profile-summary.ts bench/results/prof/<file>.cpuprofile [top=25]
 */
import * as fs from 'fs';
import * as path from 'path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Function label: name plus file:line relative to the repository or node_modules. */
function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  let file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) file = file.slice(nm + 'node_modules/'.length);
  else if (file.includes('/bench/.build/')) file = file.slice(file.indexOf('/bench/.build/') + '/bench/.build/'.length);
  else if (file) file = path.basename(file);
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

/** Self and inclusive time per function label, µs, plus the total. */
function summarise(p: Profile): { total: number; self: Map<string, number>; inclusive: Map<string, number> } {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfById = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    selfById.set(id, (selfById.get(id) ?? 0) + dt);
  });
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const labelOf = new Map(p.nodes.map((n) => [n.id, label(n)]));
  for (const [id, t] of selfById) {
    const own = labelOf.get(id)!;
    self.set(own, (self.get(own) ?? 0) + t);
    // Count each label once per stack, so recursion is not double-counted.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = labelOf.get(cur)!;
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + t);
    }
  }
  return { total, self, inclusive };
}

function top(m: Map<string, number>, total: number, n: number): string {
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([l, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${l}`)
    .join('\n');
}

if (require.main === module) {
  const [file, n = '25'] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const s = summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile);
  process.stdout.write(`${file}: ${(s.total / 1000).toFixed(0)} ms sampled\n\nSelf time:\n${top(s.self, s.total, +n)}\n\n`);
  process.stdout.write(`Inclusive time:\n${top(s.inclusive, s.total, +n)}\n`);
}
