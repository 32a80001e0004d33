/**
 * Child process handling for the orchestrator: fork a child on the
 * transpiled bench/child.js and talk to it request/response over IPC, each
 * request with its own deadline so nothing waits forever.
 */
import { fork, type ChildProcess } from 'child_process';
import * as path from 'path';
import { BUILD } from './build';
import type { ChildReply, ChildRequest, ChildRequestBody } from './types';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/** Every child still alive, so a fatal error or the hard timeout can kill them all. */
const live = new Set<Child<{ op: string }>>();

/** One forked child and its IPC request channel; `Body` is what it may be asked (the scale children have their own). */
export class Child<Body extends { op: string } = ChildRequestBody> {
  readonly proc: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopping = false;
  /**
   * Rejects if the child exits without being asked to: race it against a
   * request to the *other* child of a pair, so a crashed server fails the
   * run at once instead of at the run's deadline.
   */
  readonly died: Promise<never>;

  /**
   * @param label  shown in errors, e.g. "server jayson"
   * @param execArgv  extra node flags (e.g. --cpu-prof)
   * @param script  the child's entry, relative to bench/ in the build (default child.js)
   */
  constructor(readonly label: string, execArgv: string[] = [], script = 'child.js') {
    // stdout of a child goes to our stderr: our stdout is the report.
    this.proc = fork(path.join(BUILD, 'bench', script), [], {
      execArgv,
      stdio: ['ignore', 2, 2, 'ipc'],
      env: { ...process.env, BSONRPC_LOG_LEVEL: process.env.BSONRPC_LOG_LEVEL ?? 'warn' },
    });
    live.add(this);
    this.died = new Promise<never>((_, reject) => {
      this.proc.once('exit', (code, signal) => {
        if (!this.stopping) reject(new Error(`${this.label}: child died (code ${code}, signal ${signal})`));
      });
    });
    // Nobody may be racing it when it rejects; that must not be an unhandled rejection.
    this.died.catch(() => undefined);
    this.proc.on('message', (m: ChildReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${this.label}: ${m.error}`));
    });
    this.proc.on('error', (err) => process.stderr.write(`[bench] ${this.label}: ${err.message}\n`));
    this.proc.on('exit', (code, signal) => {
      live.delete(this);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${this.label}: child exited (code ${code}, signal ${signal})`));
      }
      this.pending.clear();
    });
  }

  /** Sends one request; rejects on an error reply, child exit, or after `timeoutMs`. */
  request<T>(msg: Body | { op: 'exit' }, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: no answer to ${msg.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      // With a callback, a closed channel reports here instead of as an
      // 'error' event on the ChildProcess.
      this.proc.send({ ...msg, id } as ChildRequest | (Body & { id: number }), (err) => {
        if (!err) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new Error(`${this.label}: cannot send ${msg.op}: ${err.message}`));
      });
    });
  }

  /** Asks the child to exit, and kills it if it has not within `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    this.stopping = true;
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.request({ op: 'exit' }, graceMs).catch(() => undefined);
    const timer = setTimeout(() => {
      process.stderr.write(`[bench] ${this.label}: did not exit within ${graceMs} ms; killing it\n`);
      this.proc.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** Kills every live child at once; for fatal paths only. */
export function killAll(): void {
  for (const c of live) c.proc.kill('SIGKILL');
}
