/**
 * The single-file bundle the package ships (scripts/bundle.ts): first the
 * bundler on small module trees, compared with what Node's own loader makes
 * of the same files; then lib/ itself, bundled and run in a plain `node`
 * process, as a user who installed the package would run it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lib from '../../lib';
import * as ts from 'typescript';
import { asciiOnly, BUNDLE_FILE, bundleModules, ESM_FILE, writeBundle } from '../../scripts/bundle';
import { decodeMappings, encodeMappings } from '../../scripts/sourcemap';
import { ROOT, transpileFiles, tsFiles } from '../../scripts/transpile';
import pkg from '../../package.json';

type Tree = Record<string, string>;

/** Temporary trees written by {@link writeTree}, removed after the file's tests. */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function writeTree(tree: Tree): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsonrpc-bundle-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(tree)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Runs `script` in a fresh node process and returns what it printed, parsed as JSON. */
function runNode(script: string, cwd: string): unknown {
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd, encoding: 'utf8' }));
}

/** What `require(file)` exports, as JSON, in a fresh node process (so neither jest's loader nor a cache takes part). */
function exportsOf(file: string): unknown {
  return runNode(`process.stdout.write(JSON.stringify(require(${JSON.stringify(file)})))`, path.dirname(file));
}

describe('bundleModules on small trees', () => {

  /** Bundles `tree` from index.js and returns [what Node's loader exports, what the bundle exports, the bundle]. */
  function both(tree: Tree) {
    const dir = writeTree(tree);
    const bundle = bundleModules(dir);
    fs.writeFileSync(path.join(dir, 'bundle.js'), bundle.source);
    return { node: exportsOf(path.join(dir, 'index.js')), bundled: exportsOf(path.join(dir, 'bundle.js')), bundle };
  }

  it('resolves files, directories with index.js, explicit .js and ../ paths as Node does', () => {
    const { node, bundled, bundle } = both({
      'index.js': `exports.a = require("./a").v; exports.b = require('./sub').v; exports.c = require("./sub/c.js").v;`,
      'a.js': `exports.v = "a";`,
      'sub/index.js': `exports.v = "sub+" + require("../a").v;`,
      'sub/c.js': `exports.v = "c";`,
    });
    expect(bundled).toEqual({ a: 'a', b: 'sub+a', c: 'c' });
    expect(bundled).toEqual(node);
    expect([...bundle.modules].sort()).toEqual(['a.js', 'index.js', 'sub/c.js', 'sub/index.js']);
  });

  it('gives a circular import the partial exports Node gives it, and runs each module once', () => {
    const { node, bundled } = both({
      'index.js': `globalThis.runs = 0; const a = require("./a"); const b = require("./b"); module.exports = { a: a.seen, b: b.seen, runs: globalThis.runs };`,
      'a.js': `globalThis.runs++; exports.early = 1; exports.seen = Object.keys(require("./b")); exports.late = 2;`,
      'b.js': `globalThis.runs++; exports.seen = Object.keys(require("./a"));`,
    });
    expect(bundled).toEqual({ a: ['seen'], b: ['early'], runs: 2 });
    expect(bundled).toEqual(node);
  });

  it('keeps a lazy require lazy and leaves package requires to Node', () => {
    const { node, bundled } = both({
      'index.js': `globalThis.loaded = false; const f = () => require("./heavy"); const before = globalThis.loaded; f(); module.exports = { before, after: globalThis.loaded, os: typeof require("os").cpus };`,
      'heavy.js': `globalThis.loaded = true;`,
    });
    expect(bundled).toEqual({ before: false, after: true, os: 'function' });
    expect(bundled).toEqual(node);
  });

  it('writes non-ASCII text as escapes that mean the same in strings, templates, regexes and identifiers', () => {
    const { node, bundled, bundle } = both({
      'index.js': `// dash — here\nconst café = "naïve — 😀"; module.exports = { s: café, t: \`×\${1}\`, r: /[—]/.test("a—b"), len: "😀".length, astral: /😀/u.test("x😀") };`,
    });
    expect(bundled).toEqual({ s: 'naïve — 😀', t: '×1', r: true, len: 2, astral: true });
    expect(bundled).toEqual(node);
    expect(/^[\x00-\x7f]*$/.test(bundle.source)).toBe(true);
  });

  it('refuses a backslash before a non-ASCII character, where an escape would change the text', () => {
    expect(() => asciiOnly('"\\é"')).toThrow(/backslash before a non-ASCII/);
    expect(asciiOnly('"é\\n"')).toBe('"\\u00e9\\n"');
  });

  it('takes in only the modules reachable from the entry', () => {
    const { bundle } = both({ 'index.js': `exports.v = require("./used").v;`, 'used.js': `exports.v = 1;`, 'orphan.js': `exports.v = 2;` });
    expect(bundle.modules).toEqual(['index.js', 'used.js']);
    expect(bundle.source).not.toContain('orphan');
  });

  it('refuses a relative require that names no module, saying which', () => {
    const dir = writeTree({ 'index.js': `require("./missing");` });
    expect(() => bundleModules(dir)).toThrow(/index\.js requires "\.\/missing"/);
  });

  it('refuses a module that uses __dirname or __filename', () => {
    const dir = writeTree({ 'index.js': `require("./where");`, 'where.js': `exports.here = __dirname;` });
    expect(() => bundleModules(dir)).toThrow(/where\.js uses __dirname or __filename/);
  });

  it('writeBundle leaves the bundle and declarations, and no other .js or map', () => {
    const dir = writeTree({
      'index.js': `exports.v = require("./a").v;\n//# sourceMappingURL=index.js.map`,
      'index.js.map': '{}',
      'a.js': `exports.v = 7;`,
      'types-only.js': `"use strict";`,
      'index.d.ts': 'export declare const v: number;',
    });
    writeBundle(dir);
    expect(fs.readdirSync(dir).sort()).toEqual([BUNDLE_FILE, 'index.d.ts']);
    expect(fs.readFileSync(path.join(dir, BUNDLE_FILE), 'utf8')).not.toContain('sourceMappingURL');
    expect(exportsOf(path.join(dir, BUNDLE_FILE))).toEqual({ v: 7 });
  });
});

describe('the source map and the ES module entry', () => {
  it('encodes and decodes mappings losslessly', () => {
    const mappings = 'AAAA,SAAS,CAAC;;AACd,IAAIA,gBAAgB;AAC/B';
    expect(encodeMappings(decodeMappings(mappings))).toBe(mappings);
  });

  it('maps a stack frame in the bundle back to its TypeScript line', () => {
    const compile = (name: string, text: string) => {
      const out = ts.transpileModule(text, {
        fileName: `src/${name}.ts`,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, sourceMap: true, inlineSources: true },
      });
      const map = JSON.parse(out.sourceMapText as string);
      map.sources = [`../src/${name}.ts`];
      return { [`${name}.js`]: out.outputText, [`${name}.js.map`]: JSON.stringify(map) };
    };
    const dir = writeTree({
      ...compile('index', `import { boom } from './b';\nexport const run = (): void => boom();\n`),
      ...compile('b', `// line 1\nexport function boom(): never {\n  throw new Error('here');\n}\n`),
    });
    writeBundle(dir, { sourceMap: true });
    expect(fs.readdirSync(dir).sort()).toEqual([BUNDLE_FILE, `${BUNDLE_FILE}.map`]);
    const stack = execFileSync(
      process.execPath,
      ['--enable-source-maps', '-e', `try { require('./${BUNDLE_FILE}').run(); } catch (e) { process.stdout.write(e.stack); }`],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(stack).toMatch(/src\/b\.ts:3:9/);
    expect(stack).toMatch(/src\/index\.ts:2:/);
    const map = JSON.parse(fs.readFileSync(path.join(dir, `${BUNDLE_FILE}.map`), 'utf8'));
    expect(map.sourcesContent[map.sources.indexOf('../src/b.ts')]).toContain("throw new Error('here')");
  });

  it('writes an ES module entry that names every export, none of them undefined, sharing classes with require()', () => {
    const dir = writeTree({ 'index.js': `class A {} exports.A = A; exports.n = 1; exports.f = () => 2;` });
    writeBundle(dir, { esm: true });
    const got = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as m from './${ESM_FILE}'; import { createRequire } from 'node:module';
         const cjs = createRequire(import.meta.url)('./${BUNDLE_FILE}');
         process.stdout.write(JSON.stringify({ names: Object.keys(m), undef: Object.values(m).filter((v) => v === undefined).length, same: m.A === cjs.A }));`,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
    expect(JSON.parse(got)).toEqual({ names: ['A', 'f', 'n'], undef: 0, same: true });
    expect(fs.readFileSync(path.join(dir, 'bsonrpc.d.mts'), 'utf8')).toBe(`export * from './index.js';\n`);
  });
});

describe('lib/ as the bundle the package ships', () => {
  // Under node_modules/.cache so that the bundle's own require('bson') and
  // require('reflect-metadata') resolve, as in an installed package.
  const out = path.join(ROOT, 'node_modules', '.cache', `bsonrpc-bundle-spec-${process.pid}`);
  let bundleFile = '';

  beforeAll(() => {
    transpileFiles(tsFiles(path.join(ROOT, 'lib')), out);
    bundleFile = path.join(out, 'lib', BUNDLE_FILE);
    writeBundle(path.join(out, 'lib'), { esm: true });
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('is what package.json points at', () => {
    expect(pkg.main).toBe(`dist/${BUNDLE_FILE}`);
    expect(pkg.scripts.build).toContain('scripts/bundle.ts dist');
    expect(pkg.exports['.']).toEqual({
      import: { types: './dist/bsonrpc.d.mts', default: `./dist/${ESM_FILE}` },
      require: { types: './dist/index.d.ts', default: `./dist/${BUNDLE_FILE}` },
    });
  });

  it('its ES module entry exports exactly what lib/index.ts exports, none undefined', () => {
    const got = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import * as m from ${JSON.stringify(path.join(out, 'lib', ESM_FILE))}; process.stdout.write(JSON.stringify(Object.entries(m).map(([k, v]) => [k, typeof v])));`],
      { cwd: out, encoding: 'utf8' },
    );
    expect(Object.fromEntries(JSON.parse(got))).toEqual(Object.fromEntries(Object.keys(lib).map((k) => [k, typeof (lib as Record<string, unknown>)[k]])));
  });

  it('exports every name lib/index.ts exports, with the same kinds, from one file of ours', () => {
    const got = runNode(
      `const b = require(${JSON.stringify(bundleFile)});
       const ours = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(out)}));
       process.stdout.write(JSON.stringify({ kinds: Object.fromEntries(Object.keys(b).map((k) => [k, typeof b[k]])), ours }));`,
      out,
    ) as { kinds: Record<string, string>; ours: string[] };
    expect(got.kinds).toEqual(Object.fromEntries(Object.keys(lib).map((k) => [k, typeof (lib as Record<string, unknown>)[k]])));
    expect(got.ours).toEqual([bundleFile]);
  });

  it('serves and calls over JSON-RPC and BSON-RPC, errors included, in plain node', () => {
    const got = runNode(
      `const b = require(${JSON.stringify(bundleFile)});
       class Calc { add(a, c) { return a + c; } twice(x) { return Buffer.concat([x, x]); } }
       for (const m of ['add', 'twice']) b.request(Calc.prototype, m, Object.getOwnPropertyDescriptor(Calc.prototype, m));
       b.serviceClass(Calc);
       class Nothing {}
       b.serviceClass(Nothing);
       async function over(Peer) {
         const [x, y] = b.createDuplexPair();
         const server = new Peer(x, new Calc());
         const client = new Peer(y, new Nothing());
         const proxy = client.getPeerProxy();
         const sum = await proxy.add(2, 3);
         const twice = Peer === b.BsonRpc ? (await proxy.twice(Buffer.from('ab'))).toString() : null;
         const missing = await proxy.nope().then(() => 'resolved', (e) => [e instanceof b.MethodNotFound, e instanceof b.RpcError, e.code]);
         client.close(); server.close();
         return { sum, twice, missing };
       }
       (async () => process.stdout.write(JSON.stringify({ json: await over(b.JsonRpc), bson: await over(b.BsonRpc) })))();`,
      out,
    );
    expect(got).toEqual({
      json: { sum: 5, twice: null, missing: [true, true, -32601] },
      bson: { sum: 5, twice: 'abab', missing: [true, true, -32601] },
    });
  });

  it('loads js-bson only once a BSON-RPC message needs it', () => {
    const got = runNode(
      `const b = require(${JSON.stringify(bundleFile)});
       const jsBsonLoaded = () => Object.keys(require.cache).some((f) => f.includes('/node_modules/bson/'));
       class Echo { echo(x) { return x; } }
       b.request(Echo.prototype, 'echo', Object.getOwnPropertyDescriptor(Echo.prototype, 'echo'));
       b.serviceClass(Echo);
       (async () => {
         const [x, y] = b.createDuplexPair();
         const server = new b.BsonRpc(x, new Echo());
         const proxy = new b.BsonRpc(y, new Echo()).getPeerProxy();
         const plain = await proxy.echo({ s: 'é', n: [1, 2.5, 2 ** 40], big: 2n ** 62n, when: new Date(0), bytes: Buffer.from('ab'), none: null });
         const before = jsBsonLoaded();
         // A document key starting with '$' is left to js-bson (DBRef detection).
         const dollar = await proxy.echo({ $set: 1 });
         process.stdout.write(JSON.stringify({ before, after: jsBsonLoaded(), plain: [plain.s, plain.n, String(plain.big), plain.when.getTime(), plain.bytes.toString()], dollar }));
         server.close();
       })();`,
      out,
    );
    expect(got).toEqual({ before: false, after: true, plain: ['é', [1, 2.5, 2 ** 40], String(2n ** 62n), 0, 'ab'], dollar: { $set: 1 } });
  });
});
