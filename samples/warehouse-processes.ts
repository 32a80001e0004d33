/**
 * Pyro's warehouse across three processes (`npm run sample:warehouse`):
 * a name server (the `bsonrpc ns` command), the warehouse server
 * (warehouse-server.ts), which registers as `example.warehouse`, and the
 * visitors (visit.ts), who find it through `ns://…/example.warehouse`.
 * Then, as a fourth process, `bsonrpc call` asks the same warehouse for
 * its contents by name. Every port is picked free; it stops by itself.
 *
 * Each line is printed with the process it came from.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

type Log = (line: string) => void;

const root = path.resolve(__dirname, '..');
const tsNode = require.resolve('ts-node/dist/bin.js');
const cli = path.join(root, 'bin', 'bsonrpc.js');
const env = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' };

/** Starts `argv` under node; prefixes each line of its output with `[label]`; resolves on the first line matching `ready`. */
function start(label: string, argv: string[], log: Log, ready?: RegExp, extraEnv: object = {}): { child: ChildProcess; match: Promise<RegExpExecArray | null> } {
  const child = spawn(process.execPath, argv, { cwd: root, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  const match = new Promise<RegExpExecArray | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start within 60 s`)), 60_000);
    const onLine = (line: string): void => {
      log(`[${label}] ${line}`);
      const m = ready?.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream?.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (ready) reject(new Error(`${label} exited with code ${String(code)} before it was ready`));
      else resolve(null);
    });
  });
  return { child, match };
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Runs the three processes (and one `bsonrpc call`); resolves to the exit codes; stops everything it started. */
export async function main(log: Log = console.log): Promise<Record<string, number | null>> {
  const children: ChildProcess[] = [];
  try {
    const ns = start('ns', [cli, 'ns', '--listen', 'tcp://127.0.0.1:0'], log, /name server on (tcp:\/\/\S+)/);
    children.push(ns.child);
    const nsUrl = (await ns.match)![1];
    const server = start('warehouse', [tsNode, 'samples/warehouse-server.ts'], log, /Warehouse ready/, { BSONRPC_NS: nsUrl });
    children.push(server.child);
    await server.match;
    const byName = nsUrl.replace(/^tcp:/, 'ns:') + '/example.warehouse';
    const visitor = start('visitor', [tsNode, 'samples/visit.ts', byName], log);
    const codes: Record<string, number | null> = { visitor: await exited(visitor.child) };
    log(`$ bsonrpc call ${byName} list`);
    const call = start('bsonrpc call', [cli, 'call', byName, 'list'], log);
    codes.call = await exited(call.child);
    return codes;
  } finally {
    for (const child of children.reverse()) {
      child.kill('SIGTERM');
      await exited(child);
    }
  }
}

if (require.main === module) {
  main().then(
    (codes) => (process.exitCode = Object.values(codes).every((c) => c === 0) ? 0 : 1),
    (err: Error) => {
      console.error(err.message);
      process.exitCode = 1;
    },
  );
}
