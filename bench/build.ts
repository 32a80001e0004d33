/**
 * Builds what the bench children run into bench/.build/: bench/ transpiled
 * file by file (same layout, so node_modules is found by walking up), and
 * lib/ as the single-file bundle the package ships (`npm run build` makes
 * the same from tsc's output), written as bench/.build/lib.js so that the
 * adapter's `require("../../lib")` finds it: Node tries a file before a
 * directory.
 *
 * BENCH_UNBUNDLED=1 keeps lib/ as separate files instead, to measure what
 * the bundle saves.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { bundleModules } from '../scripts/bundle';
import { ROOT, transpileFiles, tsFiles } from '../scripts/transpile';

export { ROOT };
/** Where the transpiled tree goes. */
export const BUILD = path.join(ROOT, 'bench', '.build');

/**
 * Rebuilds bench/.build from scratch and returns the number of files
 * transpiled. Transpile errors (syntax) throw; type errors are not looked at.
 */
export function build(): number {
  fs.rmSync(BUILD, { recursive: true, force: true });
  const n = transpileFiles([...tsFiles(path.join(ROOT, 'lib')), ...tsFiles(path.join(ROOT, 'bench'))], BUILD);
  if (process.env.BENCH_UNBUNDLED !== '1') {
    const lib = path.join(BUILD, 'lib');
    fs.writeFileSync(`${lib}.js`, bundleModules(lib).source);
    fs.rmSync(lib, { recursive: true });
  }
  const baseline = process.env.BENCH_BASELINE;
  return baseline ? n + buildBaseline(baseline) : n;
}

/**
 * BENCH_BASELINE=<git revision>: lib/ as it was at that revision, bundled
 * as bench/.build/base-lib.js, and the bsonrpc adapter pointed at it
 * (adapters/bsonrpc-base.js), so that the rows `base-*` measure the old
 * library against the new in the same run, interleaved (registry.ts).
 */
function buildBaseline(rev: string): number {
  const src = path.join(BUILD, 'baseline-src');
  fs.mkdirSync(src, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', rev, 'lib'], { cwd: ROOT, maxBuffer: 64 << 20 });
  execFileSync('tar', ['-x', '-C', src], { input: tar });
  const files = [...tsFiles(path.join(src, 'lib'))];
  const out = path.join(BUILD, 'baseline-out');
  transpileFiles(files, out);
  // transpileFiles keeps paths relative to ROOT: the output sits under the same relative path.
  const lib = path.join(out, path.relative(ROOT, path.join(src, 'lib')));
  fs.writeFileSync(path.join(BUILD, 'base-lib.js'), bundleModules(lib).source);
  fs.rmSync(src, { recursive: true });
  fs.rmSync(out, { recursive: true });
  const adapter = path.join(BUILD, 'bench', 'adapters');
  const text = fs.readFileSync(path.join(adapter, 'bsonrpc.js'), 'utf8');
  const pointed = text.replace(/require\("\.\.\/\.\.\/lib"\)/g, 'require("../../base-lib")');
  if (pointed === text) throw new Error('BENCH_BASELINE: the bsonrpc adapter no longer requires "../../lib"');
  fs.writeFileSync(path.join(adapter, 'bsonrpc-base.js'), pointed);
  return files.length;
}
