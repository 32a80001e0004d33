/**
 * `listen(url, factory, { workers: n })` on `node:cluster`: the primary
 * forks n copies of the program (`process.argv[1]`, cluster's default),
 * each of which calls `listen` again and, being a worker, really listens;
 * cluster shares the one port between them and hands out connections.
 *
 * Owns the workers: replaces one that dies unexpectedly (with a bound on
 * restarts so a crash loop stops), and on `close()` asks each to close its
 * server gracefully, then kills any that do not exit in time. It does not
 * balance load itself; cluster does (round-robin on Linux).
 */
import cluster, { Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { ListenError } from '../errors';
import { ConnectionLogger } from '../logger';
import type { AnyRpc } from '../net/options';
import { checkCall } from '../peer/connection';
import type { Middleware } from '../peer/peer';
import type { Params } from '../protocol/messages';
import type { Disposable } from '../protocol/router';
import { CloseOptions, DEFAULT_CLOSE_TIMEOUT, ListenOptions, Server } from './types';

/** IPC messages between the primary and its workers (tagged so user messages pass by). @internal */
type ClusterMessage = { bsonrpc: 'listening'; url: string } | { bsonrpc: 'close'; timeout: number };

/** Most replacements within {@link RESTART_WINDOW_MS}; past it a crashing worker is not replaced. */
const MAX_RESTARTS = 10;
const RESTART_WINDOW_MS = 60_000;
/** ms a worker gets past the close timeout to exit before it is killed. */
const EXIT_GRACE_MS = 3000;

const isOurs = (m: unknown): m is ClusterMessage => typeof m === 'object' && m !== null && 'bsonrpc' in m;

/** The {@link Server} of a cluster primary: no connections of its own. @internal */
export class ClusterPrimary extends EventEmitter implements Server {
  url = '';
  readonly connections: ReadonlySet<AnyRpc> = new Set();
  private readonly workers = new Set<Worker>();
  private readonly log: ConnectionLogger;
  private closing: Promise<boolean> | undefined;
  private restarts: number[] = [];

  private constructor(
    private readonly requestedUrl: string,
    logger: ListenOptions['logger'],
  ) {
    super();
    this.log = new ConnectionLogger(logger, 'primary');
  }

  /** Forks the workers; resolves once every one listens. @internal */
  static async start(url: string, count: number, options: ListenOptions): Promise<ClusterPrimary> {
    const p = new ClusterPrimary(url, options.logger);
    const ready = Array.from({ length: count }, () => p.fork());
    try {
      await Promise.all(ready);
    } catch (err) {
      await p.close({ timeout: 0 });
      throw err;
    }
    p.log.info({ url: p.url, workers: count }, 'cluster listening');
    return p;
  }

  get listening(): boolean {
    return this.closing === undefined;
  }

  /**
   * The primary has no connections: each worker runs the same program, and
   * its own `listen(...).use(...)` applies there. Recorded here so that
   * code written for one process runs unchanged; it does nothing.
   */
  use(_middleware: Middleware): Disposable {
    return { dispose: () => undefined };
  }

  /**
   * The primary has no connections, so nothing is sent: 0. Each worker runs
   * the same program and broadcasts to its own connections; arguments are
   * still checked, so a mistake shows in the primary too.
   */
  broadcast(method: string, params?: Params): number {
    checkCall(method, params);
    return 0;
  }

  close(options: CloseOptions = {}): Promise<boolean> {
    return (this.closing ??= this.shutdown(options.timeout ?? DEFAULT_CLOSE_TIMEOUT));
  }

  /** Forks one worker; resolves when it listens, rejects if it exits first. */
  private fork(): Promise<void> {
    const worker = cluster.fork({ BSONRPC_CLUSTER_WORKER: '1' });
    this.workers.add(worker);
    // e.g. a failed send over IPC: reported, never an unhandled 'error'.
    worker.on('error', (err: Error) => this.report(err, { pid: worker.process.pid }));
    let listening = false;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: unknown) => {
        if (!isOurs(m) || m.bsonrpc !== 'listening') return;
        listening = true;
        this.url ||= m.url;
        resolve();
      });
      worker.on('exit', (code, signal) => {
        this.workers.delete(worker);
        if (!listening) {
          reject(new ListenError(this.requestedUrl, undefined, `cannot listen on ${this.requestedUrl}: worker ${worker.process.pid} exited (${signal ?? code}) before listening`));
        } else if (!this.closing) {
          this.replace(worker, code, signal);
        }
      });
    });
  }

  private replace(dead: Worker, code: number | null, signal: string | null): void {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    const context = { pid: dead.process.pid, code, signal, workers: this.workers.size };
    if (this.restarts.length >= MAX_RESTARTS) {
      this.report(new Error(`worker ${dead.process.pid} died (${signal ?? code}); ${MAX_RESTARTS} restarts in ${RESTART_WINDOW_MS / 1000} s, not replacing it`), context);
      return;
    }
    this.restarts.push(now);
    this.report(new Error(`worker ${dead.process.pid} died (${signal ?? code}); starting a replacement`), context);
    this.fork().then(
      () => this.log.info({ workers: this.workers.size }, 'replacement worker listening'),
      (err: Error) => this.report(err, {}),
    );
  }

  private async shutdown(timeout: number): Promise<boolean> {
    const workers = [...this.workers];
    const exits = workers.map((w) => new Promise<boolean>((resolve) => {
      if (w.isDead()) return resolve(true);
      const timer = setTimeout(() => {
        this.log.warn({ pid: w.process.pid }, 'worker did not exit in time; killing it');
        w.process.kill('SIGKILL');
        resolve(false);
      }, timeout + EXIT_GRACE_MS);
      w.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
      // A worker that has not set up its IPC yet cannot be asked; it is killed by the timer.
      if (w.isConnected()) w.send({ bsonrpc: 'close', timeout } satisfies ClusterMessage);
    }));
    const ok = (await Promise.all(exits)).every(Boolean);
    this.log.info({ url: this.url, workers: workers.length, clean: ok }, 'cluster closed');
    return ok;
  }

  private report(err: Error, context: object): void {
    this.log.warn({ ...context, err }, err.message);
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

/**
 * In a worker: tells the primary where it listens, and closes `server`
 * gracefully (then disconnects, so the process may exit) when asked. @internal
 */
export function serveAsWorker(server: Server): void {
  const onMessage = (m: unknown): void => {
    if (!isOurs(m) || m.bsonrpc !== 'close') return;
    process.off('message', onMessage);
    void server.close({ timeout: m.timeout }).finally(() => cluster.worker?.disconnect());
  };
  process.on('message', onMessage);
  process.send?.({ bsonrpc: 'listening', url: server.url } satisfies ClusterMessage);
}

/** True in a cluster worker (forked by a cluster `listen`, or by the user's own cluster code). @internal */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}
