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
import { joinSourceMaps, Placed } from './sourcemap';

/** File name of the bundle in the output directory; package.json's `main` points at it. */
export const BUNDLE_FILE = 'bsonrpc.js';

/** File name of the `bsonrpc` command's bundle (bin/bsonrpc.js loads it): lib/cli/, requiring the library bundle. */
export const CLI_FILE = 'cli.js';

/** File name of the ES module entry beside the bundle; package.json's `exports` `import` condition points at it. */
export const ESM_FILE = 'bsonrpc.mjs';

/** A bundle and the modules (ids relative to the tree, POSIX separators) it holds, in load-table order. */
export interface Bundle {
  source: string;
  modules: string[];
  /** Where each module's body starts in `source` (0-based line), for the source map. */
  placed: Placed[];
}

/** What {@link writeBundle} writes besides the bundle. */
export interface WriteOptions {
  /** Also write `bsonrpc.js.map`, joined from the modules' own maps. */
  sourceMap?: boolean;
  /** Also write the ES module entry `bsonrpc.mjs` and its types `bsonrpc.d.mts`. */
  esm?: boolean;
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
export function bundleModules(dir: string, entry = 'index.js', external: Record<string, string> = {}): Bundle {
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
        // A module that ships as its own file (the CLI's one import of the library): a plain require, one copy.
        if (Object.prototype.hasOwnProperty.call(external, target)) return `require(${JSON.stringify(external[target])})`;
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
  const entries = bodies.map((body, n) => `/* ${ids[n]} */ function (exports, module) {\n${body.trimEnd()}\n}`);
  const head = `"use strict";
// ${ids.length} CommonJS modules in one file, made by scripts/bundle.ts: Node's loader costs memory per file.
const __bsonrpcModules = [\n`;
  const placed: Placed[] = [];
  let line = lineCount(head);
  entries.forEach((entry, n) => {
    placed.push({ id: ids[n], line: line + 1 }); // the body starts below the function's opening line
    line += lineCount(entry) + 1; // joined by ",\n"
  });
  const source = `${head}${entries.join(',\n')}\n];
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
  return { source: asciiOnly(source), modules: ids, placed };
}

function lineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The ES module entry: the bundle's exports named one by one. Named
 * explicitly because Node's guess at a CommonJS module's names (its lexer)
 * cannot see through the bundle, and would offer names that are
 * `undefined`; and a re-export, not a second build, so that `import` and
 * `require` share one copy of every class (`instanceof` holds across them).
 */
export function esmEntry(names: string[]): string {
  for (const name of names) if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`bundle: export ${JSON.stringify(name)} is not an identifier`);
  return `// The ES module entry of bsonrpc, made by scripts/bundle.ts: the CommonJS bundle's exports, by name.
import bundle from './${BUNDLE_FILE}';
export const {
${names.map((n) => `  ${n},`).join('\n')}
} = bundle;
`;
}

function* jsFiles(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* jsFiles(full);
    else if (entry.name.endsWith('.js') || entry.name.endsWith('.js.map')) yield full;
  }
}

/**
 * Bundles `dir` into `dir/bsonrpc.js` (with its source map and the ES
 * module entry when asked) and deletes
 * every other .js file there (and the source maps): the modules it took
 * in, so one copy of each ships (with two, an error class from one copy
 * would fail `instanceof` against the same class from the other), and
 * those no import reaches (type-only modules, empty once compiled).
 * Declarations (.d.ts) stay for the types.
 */
export function writeBundle(dir: string, options: WriteOptions = {}): Bundle {
  const bundle = bundleModules(dir);
  const map = options.sourceMap ? joinSourceMaps(dir, bundle.placed, BUNDLE_FILE) : undefined;
  for (const file of [...jsFiles(dir)]) fs.rmSync(file);
  const bundleFile = path.join(dir, BUNDLE_FILE);
  fs.writeFileSync(bundleFile, map ? `${bundle.source}//# sourceMappingURL=${BUNDLE_FILE}.map\n` : bundle.source);
  if (map) fs.writeFileSync(`${bundleFile}.map`, JSON.stringify(map));
  if (options.esm) {
    // The names come from running the bundle: exactly what require() gives.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const names = Object.keys(require(bundleFile) as object).sort();
    fs.writeFileSync(path.join(dir, ESM_FILE), esmEntry(names));
    fs.writeFileSync(path.join(dir, ESM_FILE.replace(/\.mjs$/, '.d.mts')), `export * from './index.js';\n`);
  }
  return bundle;
}

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? 'dist');
  // The CLI first, while its modules are still there; its import of the library becomes require('./bsonrpc.js').
  const cli = bundleModules(dir, 'cli/main.js', { 'index.js': `./${BUNDLE_FILE}` });
  const { modules } = writeBundle(dir, { sourceMap: true, esm: true });
  fs.writeFileSync(path.join(dir, CLI_FILE), cli.source);
  process.stdout.write(`bundled ${cli.modules.length} modules into ${path.relative(process.cwd(), path.join(dir, CLI_FILE))}\n`);
  process.stdout.write(`bundled ${modules.length} modules into ${path.relative(process.cwd(), path.join(dir, BUNDLE_FILE))}\n`);
}
