/**
 * Per-connection memory of a server: JS heap and RSS per connection held,
 * measured in a server child after `global.gc()`.
 *
 * Usage:
 *
 * ```sh
 * npx ts-node -T scripts/idle-probe.ts                        # 5000 idle connections, every style and codec
 * PROBE_BASELINE=main npx ts-node -T scripts/idle-probe.ts    # the same for lib/ at main, in the same run
 * PROBE_N=2000 PROBE_MODES=idle,used PROBE_STYLES=net PROBE_CODECS=json npx ts-node -T scripts/idle-probe.ts
 * PROBE_SNAPSHOT=1 PROBE_STYLES=net PROBE_CODECS=json npx ts-node -T scripts/idle-probe.ts   # + a heap snapshot
 * ```
 *
 * Styles: `listen` is `listen('tcp://127.0.0.1:0', () => services)`; `net`
 * is `net.createServer((s) => new JsonRpc(s, services))` (or `BsonRpc`);
 * `raw` is `net.createServer()` holding bare sockets (in `used` mode
 * each echoes one chunk): what Node itself costs, the floor under the
 * other two. Modes: `idle` connections never
 * send anything; `used` ones each make one `echo` call first and then sit
 * idle (what a connection keeps after it has been busy).
 *
 * Method: lib/ (and lib/ at PROBE_BASELINE) is transpiled and bundled as the
 * bench does, into node_modules/.cache/idle-probe. For each row a server
 * child (`node --expose-gc`) listens; a client child (plain sockets, no
 * library) opens 200 warm-up connections, the server measures, the client
 * opens PROBE_N more, the server measures again; per connection is the
 * difference over PROBE_N, so one-time costs (code, caches) do not count.
 * Every row gets fresh children. Heap numbers are stable to a few bytes;
 * RSS moves by a few hundred bytes per connection between runs.
 */
import { execFileSync, fork, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as v8 from 'v8';

const WARM = 200;
/** Connections opened at once by the client: under the listen backlog. */
const BATCH = 200;

type Style = 'listen' | 'net' | 'raw';
type Codec = 'json' | 'bson';
type Mode = 'idle' | 'used';
type Lib = typeof import('../lib');

interface Sample {
  heap: number;
  rss: number;
}

type ToServer = { kind: 'measure'; expect: number; snapshot?: string } | { kind: 'exit' };
type FromServer = { kind: 'listening'; port: number } | ({ kind: 'measured'; file?: string } & Sample);
type ToClient = { kind: 'open'; count: number } | { kind: 'exit' };

function send(proc: NodeJS.Process | ChildProcess, message: unknown): void {
  proc.send?.(message as object);
}

/** The next message from `proc`; a child that hangs fails the run after `ms` instead of stalling it. */
function next<T>(proc: NodeJS.Process | ChildProcess, ms = 0): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = ms > 0 ? setTimeout(() => reject(new Error(`no answer from a child within ${ms} ms`)), ms) : undefined;
    proc.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as T);
    });
  });
}

/** How long the orchestrator waits for a child's step. */
const STEP_MS = 120_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- server child --------------------------------------------------------------------------------

async function server(libFile: string, style: Style, codec: Codec, mode: Mode): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lib = require(libFile) as Lib;
  const gc = (global as { gc?: () => void }).gc;
  if (!gc) throw new Error('the server child needs --expose-gc');
  const services = lib.defineService({ echo: (x: unknown) => x });
  let count: () => number;
  let port: number;
  const held: net.Socket[] = [];
  if (style === 'listen') {
    const s = await lib.listen(`tcp://127.0.0.1:0?protocol=${codec}`, () => services);
    port = Number(new URL(s.url).port);
    count = () => s.connections.size;
  } else {
    let n = 0;
    const srv = net.createServer((socket) => {
      n++;
      if (style === 'raw') {
        held.push(socket);
        // The floor of a used connection: one read and one write on a bare socket.
        if (mode === 'used') socket.once('data', (chunk) => socket.write(chunk));
      }
      else if (codec === 'bson') new lib.BsonRpc(socket, services);
      else new lib.JsonRpc(socket, services);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as net.AddressInfo).port;
    count = () => n;
  }
  send(process, { kind: 'listening', port } satisfies FromServer);
  for (;;) {
    const m = await next<ToServer>(process);
    if (m.kind === 'exit') process.exit(0);
    for (let i = 0; i < 2000 && count() < m.expect; i++) await sleep(5);
    if (count() !== m.expect) throw new Error(`server holds ${count()} connections, expected ${m.expect}`);
    await sleep(100);
    for (let i = 0; i < 4; i++) {
      gc();
      await sleep(20);
    }
    const mem = process.memoryUsage();
    const file = m.snapshot ? v8.writeHeapSnapshot(m.snapshot) : undefined;
    send(process, { kind: 'measured', heap: mem.heapUsed, rss: mem.rss, file } satisfies FromServer);
  }
}

// ---- client child --------------------------------------------------------------------------------

function requestFrame(codec: Codec): Buffer {
  if (codec === 'json') return Buffer.from(`\x1e${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: ['x'] })}\n`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { serialize } = require('bson') as typeof import('bson');
  return Buffer.from(serialize({ bsonrpc: '2.0', id: 1, method: 'echo', params: ['x'] }));
}

async function client(port: number, codec: Codec, mode: Mode): Promise<void> {
  const held: net.Socket[] = [];
  const frame = requestFrame(codec);
  const openOne = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('error', reject);
      held.push(socket);
      socket.once('connect', () => {
        if (mode === 'idle') return resolve();
        socket.once('data', () => resolve());
        socket.write(frame);
      });
    });
  for (;;) {
    const m = await next<ToClient>(process);
    if (m.kind === 'exit') process.exit(0);
    for (let left = m.count; left > 0; left -= BATCH) await Promise.all(Array.from({ length: Math.min(BATCH, left) }, openOne));
    send(process, { kind: 'opened' });
  }
}

// ---- orchestrator --------------------------------------------------------------------------------

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(ROOT, 'node_modules', '.cache', 'idle-probe');

// Required when used, not imported: the children run from the build directory, where these are not.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tools = (): typeof import('./transpile') => require(path.join(ROOT, 'scripts', 'transpile'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bundler = (): typeof import('./bundle') => require(path.join(ROOT, 'scripts', 'bundle'));

/** lib/ (at `rev`, or the work tree) bundled as one file, as the bench and the package load it. */
async function buildLib(rev: string | undefined, name: string): Promise<string> {
  const { transpileFiles, tsFiles } = tools();
  const { bundleModules } = bundler();
  let srcLib = path.join(ROOT, 'lib');
  const src = path.join(BUILD, `${name}-src`);
  fs.rmSync(src, { recursive: true, force: true });
  if (rev !== undefined) {
    fs.mkdirSync(src, { recursive: true });
    execFileSync('tar', ['-x', '-C', src], { input: execFileSync('git', ['archive', '--format=tar', rev, 'lib'], { cwd: ROOT, maxBuffer: 64 << 20 }) });
    srcLib = path.join(src, 'lib');
  }
  const out = path.join(BUILD, `${name}-out`);
  fs.rmSync(out, { recursive: true, force: true });
  transpileFiles(tsFiles(srcLib), out);
  const file = path.join(BUILD, `${name}.js`);
  fs.writeFileSync(file, bundleModules(path.join(out, path.relative(ROOT, srcLib))).source);
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(src, { recursive: true, force: true });
  return file;
}

async function buildSelf(): Promise<string> {
  tools().transpileFiles([__filename.replace(/\.js$/, '.ts')], BUILD);
  return path.join(BUILD, 'scripts', 'idle-probe.js');
}

async function row(self: string, libFile: string, style: Style, codec: Codec, mode: Mode, n: number, snapshot: string | undefined): Promise<Sample & { file?: string }> {
  const srv = fork(self, ['server', libFile, style, codec, mode], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const cli = fork(self, ['client', '', style, codec, mode], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { port } = (await next<FromServer>(srv, STEP_MS)) as { port: number };
    send(cli, { kind: 'port', port });
    const measure = async (expect: number, snap?: string): Promise<FromServer & Sample> => {
      send(srv, { kind: 'measure', expect, snapshot: snap } satisfies ToServer);
      return next(srv, STEP_MS);
    };
    send(cli, { kind: 'open', count: WARM } satisfies ToClient);
    await next(cli, STEP_MS);
    const before = await measure(WARM);
    send(cli, { kind: 'open', count: n } satisfies ToClient);
    await next(cli, STEP_MS);
    const after = await measure(WARM + n, snapshot);
    return { heap: (after.heap - before.heap) / n, rss: (after.rss - before.rss) / n, file: (after as { file?: string }).file };
  } finally {
    send(srv, { kind: 'exit' } satisfies ToServer);
    send(cli, { kind: 'exit' } satisfies ToClient);
    srv.kill();
    cli.kill();
  }
}

function list<T extends string>(value: string | undefined, all: readonly T[]): T[] {
  return value ? (value.split(',') as T[]) : [...all];
}

async function main(): Promise<void> {
  const n = Number(process.env.PROBE_N ?? 5000);
  const styles = list<Style>(process.env.PROBE_STYLES, ['raw', 'listen', 'net']);
  const codecs = list<Codec>(process.env.PROBE_CODECS, ['json', 'bson']);
  const modes = list<Mode>(process.env.PROBE_MODES, ['idle']);
  const baseline = process.env.PROBE_BASELINE;
  fs.mkdirSync(BUILD, { recursive: true });
  const self = await buildSelf();
  const libs: [string, string][] = [['lib', await buildLib(undefined, 'lib')]];
  if (baseline) libs.push([`base(${baseline})`, await buildLib(baseline, 'base-lib')]);
  console.log(`${n} connections held (after ${WARM} warm-up ones), node ${process.version}\n`);
  console.log('| lib | style | codec | mode | heap B/conn | RSS B/conn |');
  console.log('|---|---|---|---|---:|---:|');
  for (const mode of modes) {
    for (const style of styles) {
      for (const codec of style === 'raw' ? (['json'] as Codec[]) : codecs) {
        for (const [name, file] of style === 'raw' ? libs.slice(0, 1) : libs) {
          const snap = process.env.PROBE_SNAPSHOT ? path.join(BUILD, `${name.replace(/\W+/g, '-')}-${style}-${codec}-${mode}.heapsnapshot`) : undefined;
          const r = await row(self, file, style, codec, mode, n, snap);
          console.log(`| ${style === 'raw' ? '-' : name} | ${style} | ${style === 'raw' ? '-' : codec} | ${mode} | ${Math.round(r.heap)} | ${Math.round(r.rss)} |${r.file ? ` ${r.file}` : ''}`);
        }
      }
    }
  }
}

const [role, arg, style, codec, mode] = process.argv.slice(2);
if (role === 'server') void server(arg, style as Style, codec as Codec, mode as Mode);
else if (role === 'client') {
  process.once('message', (m: { port: number }) => void client(m.port, codec as Codec, mode as Mode));
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
