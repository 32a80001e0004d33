/**
 * The proof that the package works for a new user: `npm pack` the library,
 * install the tarball into fresh projects outside this repository, and run
 * the getting-started programs (docs/getting-started.md, from
 * samples/getting-started/) as two processes talking over TCP:
 *
 * - cjs: CommonJS TypeScript run by ts-node (type-checked), legacy decorators;
 * - esm: an ES module TypeScript project whose tsconfig is what `tsc --init`
 *   writes (strict, no `esModuleInterop`), with `skipLibCheck` taken out:
 *   compiled by tsc and run by node, and run by tsx, standard decorators;
 * - js: plain ES module JavaScript with `defineService`, no build step.
 *
 * Plus what must not work: deep imports of internal modules. One npm
 * install serves the three projects (they sit side by side under one
 * node_modules), a second holds bsonrpc alone, to measure a runtime-only
 * install. Both use npm's one cache, offline first. The consumers' tools
 * are pinned: the repository's own typescript, ts-node and @types/node, and
 * tsx 4.23.15 (not a dependency of this repository: only consumers use it).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SAMPLES = path.join(ROOT, 'samples', 'getting-started');
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const versionOf = (pkg: string) => (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

let tmp = '';
let consumers = '';
let tarball = '';
const report: string[] = [];

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Bytes under `dir`, as `du` would count file sizes. */
function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += sizeOf(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

/** A new project directory under the shared install, with the given sample files copied in. */
function project(name: string, packageJson: object, files: string[]): string {
  const dir = path.join(consumers, name);
  fs.mkdirSync(dir, { recursive: true });
  writeJson(path.join(dir, 'package.json'), { name: `consumer-${name}`, version: '1.0.0', private: true, ...packageJson });
  for (const file of files) fs.copyFileSync(path.join(SAMPLES, name, file), path.join(dir, file));
  return dir;
}

/** Starts `server` (a node argv), waits for "listening on port N", runs `client` against N; returns the client's output. */
async function twoProcesses(cwd: string, server: string[], client: string[]): Promise<string> {
  const env = { ...process.env, PORT: '0', BSONRPC_LOG_LEVEL: 'warn', TS_NODE_TRANSPILE_ONLY: '' };
  const child: ChildProcess = spawn(process.execPath, server, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not listen in 60 s: ${out}${stderr}`)), 60_000);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on port (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${String(code)}: ${out}${stderr}`));
      });
    });
    return await new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, client, { cwd, env: { ...env, PORT: port }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('exit', (code) => (code === 0 && err === '' ? resolve(out) : reject(new Error(`client exited with ${String(code)}: ${out}${err}`))));
    });
  } finally {
    child.kill();
  }
}

const EXPECTED = '5\nHello, Countess Ada!\n';

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bsonrpc-pack-'));
  // What the prepack script does before `npm pack`, run here so its output stays out of pack's JSON.
  npm(['run', 'build', '--silent'], ROOT);
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', tmp, '--loglevel=error'], ROOT)) as {
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
  }[];
  tarball = path.join(tmp, packed.filename);
  report.push(`tarball ${packed.filename}: ${kib(packed.size)} packed, ${kib(packed.unpackedSize)} unpacked, ${packed.entryCount} files`);

  const runtime = path.join(tmp, 'runtime');
  fs.mkdirSync(runtime);
  writeJson(path.join(runtime, 'package.json'), { name: 'runtime-only', version: '1.0.0', private: true });
  npm(['install', ...NPM_FLAGS, tarball], runtime);
  const modules = path.join(runtime, 'node_modules');
  let du = '';
  try {
    du = `, du -sh: ${execFileSync('du', ['-sh', modules], { encoding: 'utf8' }).split('\t')[0]}`;
  } catch {
    // no du on this machine: the byte count alone
  }
  report.push(`runtime-only install (bsonrpc and its dependencies): node_modules ${kib(sizeOf(modules))} of files${du}`);

  consumers = path.join(tmp, 'consumers');
  fs.mkdirSync(consumers);
  writeJson(path.join(consumers, 'package.json'), { name: 'consumers', version: '1.0.0', private: true });
  npm(
    ['install', ...NPM_FLAGS, tarball, `typescript@${versionOf('typescript')}`, `ts-node@${versionOf('ts-node')}`, 'tsx@4.23.15', `@types/node@${versionOf('@types/node')}`],
    consumers,
  );
}, 300_000);

afterAll(() => {
  if (report.length) process.stdout.write(`\npack-and-install:\n  ${report.join('\n  ')}\n`);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarball holds the bundle, its map, the ESM entry, types, README, LICENSE and CHANGELOG, and no sources', () => {
  const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
  expect(files).toEqual(
    expect.arrayContaining(
      ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/bsonrpc.js', 'dist/bsonrpc.js.map', 'dist/bsonrpc.mjs', 'dist/bsonrpc.d.mts', 'dist/index.d.ts'].map(
        (f) => `package/${f}`,
      ),
    ),
  );
  expect(files.filter((f) => /\.ts$/.test(f) && !/\.d\.m?ts$/.test(f))).toEqual([]);
  // The library bundle, the CLI's bundle (which requires the library's), and the CLI's launcher.
  expect(files.filter((f) => f.endsWith('.js')).sort()).toEqual(['package/bin/bsonrpc.js', 'package/dist/bsonrpc.js', 'package/dist/cli.js']);
});

test('CommonJS TypeScript with ts-node (type-checked, legacy decorators): server and client as two processes', async () => {
  const dir = project('cjs', {}, ['server.ts', 'client.ts', 'tsconfig.json']);
  const tsNode = path.join(consumers, 'node_modules', 'ts-node', 'dist', 'bin.js');
  expect(await twoProcesses(dir, [tsNode, 'server.ts'], [tsNode, 'client.ts'])).toBe(EXPECTED);
  report.push('cjs: ts-node server.ts + client.ts over TCP: ok');
}, 120_000);

test('a `tsc --init` project (strict, no esModuleInterop, no skipLibCheck): compiles with tsc, runs with node and with tsx', async () => {
  const dir = project('esm', { type: 'module' }, ['server.ts', 'client.ts', 'quick.ts']);
  const tsc = path.join(consumers, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '--init'], { cwd: dir, stdio: 'ignore' });
  // The three changes docs/getting-started.md asks of a `tsc --init` tsconfig.
  const init = fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8');
  const edited = init
    .replace(/^\s*"skipLibCheck": true,?\n/m, '')
    .replace(/"target": "[^"]+"/, '"target": "es2022"')
    .replace(/"types": \[\]/, '"types": ["node"]');
  expect(edited).not.toBe(init);
  expect(edited).not.toMatch(/^\s*"(skipLibCheck|esModuleInterop)"/m);
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), edited);
  try {
    execFileSync(process.execPath, [tsc, '-p', '.'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    throw new Error(`tsc failed:\n${(err as { stdout?: string }).stdout ?? String(err)}`);
  }
  expect(await twoProcesses(dir, ['server.js'], ['client.js'])).toBe(EXPECTED);
  report.push('esm: tsc --init project compiles with tsc (no skipLibCheck), node server.js + client.js: ok');
  const tsx = path.join(consumers, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  expect(await twoProcesses(dir, [tsx, 'server.ts'], [tsx, 'client.ts'])).toBe(EXPECTED);
  report.push('esm: tsx server.ts + client.ts (standard decorators): ok');
  // README's ten lines, compiled by tsc and as tsx runs them.
  const run = (argv: string[]) => execFileSync(process.execPath, argv, { cwd: dir, encoding: 'utf8', env: { ...process.env, BSONRPC_LOG_LEVEL: 'warn' } });
  expect([run(['quick.js']), run([tsx, 'quick.ts'])]).toEqual(['5\n', '5\n']);
  report.push('esm: quick.ts (README) with node after tsc, and with tsx: ok');
}, 180_000);

test('plain ES module JavaScript with defineService, no build step', async () => {
  const dir = project('js', {}, ['server.mjs', 'client.mjs']);
  expect(await twoProcesses(dir, ['server.mjs'], ['client.mjs'])).toBe(EXPECTED);
  report.push('js: node server.mjs + client.mjs: ok');
}, 60_000);

test('`npx bsonrpc` after installing the tarball: --help, a name server, and ns ping / call against it', async () => {
  const run = (args: string[]) =>
    execFileSync('npx', ['--no-install', 'bsonrpc', ...args], { cwd: consumers, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  expect(run(['call', '--help'])).toMatch(/Example:\n {2}\$ bsonrpc call /);
  const bin = path.join(consumers, 'node_modules', '.bin', 'bsonrpc');
  const ns = spawn(bin, ['ns', '--listen', 'tcp://127.0.0.1:0'], { cwd: consumers, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`no name server in 30 s: ${err}`)), 30_000);
      ns.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /name server on (tcp:\/\/\S+)/.exec(err);
        if (m) resolve((clearTimeout(timer), m[1]));
      });
    });
    expect(run(['ns', 'ping', '--ns', url])).toBe('pong\n');
    expect(run(['call', url, 'ns.register', '--named', '{"name":"x","url":"tcp://127.0.0.1:1","ttl":60000}'])).toBe('true\n');
    expect(run(['ns', 'lookup', 'x', '--ns', url])).toBe('tcp://127.0.0.1:1\n');
  } finally {
    ns.kill('SIGTERM');
  }
  report.push('bin: npx bsonrpc --help, ns, ns ping, call, ns lookup from the installed package: ok');
}, 60_000);

test('CommonJS JavaScript: require() and defineService', () => {
  const script = `
    const { createDuplexPair, defineService, JsonRpc } = require('bsonrpc');
    const [a, b] = createDuplexPair();
    new JsonRpc(a, defineService({ add: (x, y) => x + y }));
    const client = new JsonRpc(b);
    client.getPeerProxy().add(2, 3).then((sum) => { console.log(sum); client.close(); });`;
  expect(execFileSync(process.execPath, ['-e', script], { cwd: consumers, encoding: 'utf8' })).toBe('5\n');
  report.push('cjs js: require() + defineService: ok');
});

test('import and require give the same classes; internal modules are not importable', () => {
  const dir = path.join(consumers, 'js');
  fs.mkdirSync(dir, { recursive: true });
  const script = `
    import { createRequire } from 'node:module';
    import * as esm from 'bsonrpc';
    const require = createRequire(import.meta.url);
    const cjs = require('bsonrpc');
    const deep = [];
    for (const spec of ['bsonrpc/dist/peer/peer.js', 'bsonrpc/dist/bsonrpc.js', 'bsonrpc/lib/index.ts']) {
      try { await import(spec); deep.push(spec + ': imported'); } catch (e) { deep.push(spec + ': ' + e.code); }
    }
    process.stdout.write(JSON.stringify({
      names: Object.keys(esm).length,
      undefinedNames: Object.entries(esm).filter(([, v]) => v === undefined).map(([k]) => k),
      same: esm.JsonRpc === cjs.JsonRpc && esm.PeerError === cjs.PeerError,
      version: require('bsonrpc/package.json').version,
      deep,
    }));`;
  const got = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' }));
  expect(got).toEqual({
    names: Object.keys(require('../../lib')).length,
    undefinedNames: [],
    same: true,
    version: versionOf('..'),
    deep: [
      'bsonrpc/dist/peer/peer.js: ERR_PACKAGE_PATH_NOT_EXPORTED',
      'bsonrpc/dist/bsonrpc.js: ERR_PACKAGE_PATH_NOT_EXPORTED',
      'bsonrpc/lib/index.ts: ERR_PACKAGE_PATH_NOT_EXPORTED',
    ],
  });
  report.push(`exports: ${got.names} names from import, none undefined, same classes as require; deep imports refused`);
});
