/**
 * Packs a tree of CommonJS modules (tsc's output of lib/) into one file.
 *
 *   ts-node --transpile-only scripts/bundle.ts dist     (run by `npm run build`)
 *
 * Why: Node's loader costs memory per file it loads, not per byte. Measured
 * on Node 20 (docs/performance.md): requiring lib/ as its ~40 transpiled
 * files raises a process's RSS by ~7 MiB, the same code as one file by
 * ~1.3 MiB. The published package therefore ships `dist/bsonrpc.js`, and the
 * bench measures that same artifact.
 *
 * How: each module becomes a function in one table, called once on first
 * load with its own `exports` and `module`, cached before it runs (so
 * circular imports behave as in Node). Relative `require("./x")` calls are
 * resolved here, at build time, and rewritten to table loads, so a missing
 * module fails the build rather than a user's process; they stay calls, so
 * a lazy require stays lazy. Package requires (`bson`, `pino`, `net`) are
 * left to Node's `require`, resolved from the bundle's own location.
 * Modules that use `__dirname` or `__filename` are refused: inside a
 * bundle those would name the bundle, not the module.
 *
 * Every non-ASCII character is written as a `\uXXXX` escape, which means
 * the same in a string, template, regular expression or identifier and is
 * harmless in a comment: one "—" in a comment would otherwise make V8 hold
 * the whole source as two bytes per character (measured: ~160 KiB more
 * heap that survives the first collections).
 */
import * as fs from 'fs';
import * as path from 'path';

/** File name of the bundle in the output directory; package.json's `main` points at it. */
export const BUNDLE_FILE = 'bsonrpc.js';

/** A bundle and the modules (ids relative to the tree, POSIX separators) it holds, in load-table order. */
export interface Bundle {
  source: string;
  modules: string[];
}

const RELATIVE_REQUIRE = /(?<![\w$.])require\((["'])(\.{1,2}(?:\/[^"'\\]*)?)\1\)/g;
const SOURCE_MAP_COMMENT = /^\/\/# sourceMappingURL=.*$/gm;
const FILE_GLOBALS = /(?<![\w$.])__(?:dirname|filename)(?![\w$])/;
const NON_ASCII = /[^\x00-\x7f]/g;

/**
 * `text` with each non-ASCII UTF-16 code unit written as a `\uXXXX` escape.
 * Throws on a backslash right before one (`"\é"`), the one place where the
 * escape would change the meaning.
 */
export function asciiOnly(text: string): string {
  if (/\\[^\x00-\x7f]/.test(text)) throw new Error('bundle: a backslash before a non-ASCII character cannot be escaped safely');
  return text.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function resolveId(dir: string, from: string, spec: string): string {
  const base = path.posix.join(path.posix.dirname(from), spec);
  for (const id of [base, `${base}.js`, `${base}/index.js`]) {
    if (id.endsWith('.js') && fs.statSync(path.join(dir, id), { throwIfNoEntry: false })?.isFile()) return id;
  }
  throw new Error(`bundle: ${from} requires ${JSON.stringify(spec)}, which is not a module under ${dir}`);
}

/**
 * Bundles the modules of `dir` reachable from `entry` through relative
 * requires. Throws when a relative require does not resolve or a module
 * uses `__dirname`/`__filename`.
 */
export function bundleModules(dir: string, entry = 'index.js'): Bundle {
  const ids = [entry];
  const index = new Map([[entry, 0]]);
  const bodies: string[] = [];
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n];
    const text = fs.readFileSync(path.join(dir, id), 'utf8').replace(SOURCE_MAP_COMMENT, '');
    if (FILE_GLOBALS.test(text)) throw new Error(`bundle: ${id} uses __dirname or __filename, which would name the bundle`);
    bodies.push(
      text.replace(RELATIVE_REQUIRE, (_call, _quote: string, spec: string) => {
        const target = resolveId(dir, id, spec);
        let k = index.get(target);
        if (k === undefined) {
          k = ids.length;
          index.set(target, k);
          ids.push(target);
        }
        return `__bsonrpcLoad(${k})`;
      }),
    );
  }
  const table = bodies.map((body, n) => `/* ${ids[n]} */ function (exports, module) {\n${body.trimEnd()}\n}`).join(',\n');
  const source = `"use strict";
// ${ids.length} CommonJS modules in one file, made by scripts/bundle.ts: Node's loader costs memory per file.
const __bsonrpcModules = [\n${table}\n];
const __bsonrpcCache = new Array(__bsonrpcModules.length);
function __bsonrpcLoad(n) {
  let m = __bsonrpcCache[n];
  if (m === undefined) {
    m = __bsonrpcCache[n] = { exports: {} };
    __bsonrpcModules[n].call(m.exports, m.exports, m);
  }
  return m.exports;
}
module.exports = __bsonrpcLoad(0);
`;
  return { source: asciiOnly(source), modules: ids };
}

function* jsFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* jsFiles(full);
    else if (entry.name.endsWith('.js') || entry.name.endsWith('.js.map')) yield full;
  }
}

/**
 * Bundles `dir` into `dir/bsonrpc.js` and deletes
 * every other .js file there (and the source maps): the modules it took
 * in, so one copy of each ships (with two, an error class from one copy
 * would fail `instanceof` against the same class from the other), and
 * those no import reaches (type-only modules, empty once compiled).
 * Declarations (.d.ts) stay for the types.
 */
export function writeBundle(dir: string): Bundle {
  const bundle = bundleModules(dir);
  for (const file of [...jsFiles(dir)]) fs.rmSync(file);
  fs.writeFileSync(path.join(dir, BUNDLE_FILE), bundle.source);
  return bundle;
}

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? 'dist');
  const { modules } = writeBundle(dir);
  process.stdout.write(`bundled ${modules.length} modules into ${path.relative(process.cwd(), path.join(dir, BUNDLE_FILE))}\n`);
}
