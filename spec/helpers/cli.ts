/**
 * Running the `bsonrpc` command as a user does (bin/bsonrpc.js, which runs
 * lib/cli through ts-node in a checkout), for the specs that spawn it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';

/** The checkout, and its `bsonrpc` bin. */
export const root = path.resolve(__dirname, '../..');
export const bin = path.join(root, 'bin', 'bsonrpc.js');

/** The environment the command runs in: no name server from the caller's shell, warnings only. */
export const cliEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', BSONRPC_LOG_LEVEL: 'warn', BSONRPC_NS: '' };

/** A long-running `bsonrpc` process, what matched its readiness line, and its stderr so far. */
export interface Daemon {
  child: ChildProcess;
  match: RegExpExecArray;
  stderr: () => string;
}

/**
 * Starts `bsonrpc ...args` and adds it to `children` (for the spec's
 * afterAll to stop); resolves once its stderr matches `ready`, rejects when
 * it exits first or after 30 s.
 */
export function startDaemon(children: ChildProcess[], args: string[], ready: RegExp): Promise<Daemon> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: cliEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in 30 s: ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = ready.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m, stderr: () => err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${String(code)}: ${err}`));
    });
  });
}
