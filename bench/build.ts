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
  return n;
}
