/**
 * Peers over a child process's stdio: `spawnPeer` is the parent's side
 * (the child's stdin/stdout joined into one Duplex), `stdioPeer` the
 * child's (this process's stdin/stdout). Default framing `content-length`,
 * the form LSP servers and vscode-jsonrpc speak over stdio.
 *
 * The child's stderr is inherited: it stays free for logs (bsonrpc's own
 * logger writes to stderr for exactly this reason).
 */
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { Duplex } from 'node:stream';
import { ConnectError } from '../errors';
import { AnyRpc, makePeer, NetPeerOptions, resolveProtocol } from './options';

/** Options of {@link spawnPeer}. */
export interface SpawnPeerOptions extends NetPeerOptions {
  /** Passed to `child_process.spawn` (`cwd`, `env`, …); `stdio` is always pipe, pipe, inherit. */
  spawn?: Omit<SpawnOptions, 'stdio'>;
  /** ms the child gets to exit after the peer closed (its stdin ended) before it is sent SIGTERM; 0 never. Default 5000. */
  killAfter?: number;
}

/** A peer over a child's stdio, with the child itself. */
export type SpawnedPeer = AnyRpc & {
  /** The child process; its exit closes the peer. */
  readonly child: ChildProcess;
};

/** The default {@link SpawnPeerOptions.killAfter}, in ms. */
const DEFAULT_KILL_AFTER = 5000;
/** ms after the child's exit to wait for its stdout to drain before closing the peer anyway (a grandchild may hold stdout open). */
const EXIT_DRAIN_MS = 1000;

/**
 * Starts `command` with `args` and resolves to a peer over its
 * stdin/stdout, serving `services` on this side. The peer closes when the
 * child exits; closing the peer ends the child's stdin (a `stdioPeer`
 * child then closes and exits), and a child still running `killAfter` ms
 * later is sent SIGTERM.
 *
 * ```ts
 * const worker = await spawnPeer(process.execPath, ['worker.js'], new ParentServices());
 * ```
 *
 * Rejects with `ConnectError` (its `url` is the command) when the command
 * cannot be started.
 */
export async function spawnPeer(
  command: string,
  args: readonly string[] = [],
  services?: object | null,
  options: SpawnPeerOptions = {},
): Promise<SpawnedPeer> {
  resolveProtocol(options, undefined);
  const { spawn: spawnOptions, killAfter = DEFAULT_KILL_AFTER, ...peerOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(new ConnectError(command, err.code, `cannot start ${command}: ${err.message}`, { cause: err }));
    });
  });
  // After spawning, an 'error' (a failed kill) must not be unhandled; the peer sees the streams' own errors.
  child.on('error', () => undefined);
  const stream = Duplex.from({ readable: child.stdout!, writable: child.stdin! });
  const peer = makePeer(stream, services, peerOptions, undefined, 'content-length');

  let drainTimer: NodeJS.Timeout | undefined;
  child.once('exit', () => {
    // Usually stdout ends first and the peer is already closed; read what is left before closing.
    drainTimer = setTimeout(() => peer.close(), EXIT_DRAIN_MS);
    drainTimer.unref();
  });
  child.once('close', () => {
    clearTimeout(drainTimer);
    peer.close();
  });
  peer.once('close', () => {
    if (!killAfter || child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGTERM'), killAfter);
    timer.unref();
    child.once('exit', () => clearTimeout(timer));
  });
  Object.defineProperty(peer, 'child', { value: child, enumerable: false });
  return peer as SpawnedPeer;
}

/**
 * The child's side: a peer over this process's stdin and stdout, serving
 * `services`. When the parent ends stdin (or dies) the peer closes.
 * Nothing else may write to stdout from now on: it is the transport.
 *
 * ```ts
 * stdioPeer(new WorkerServices());
 * ```
 */
export function stdioPeer(services?: object | null, options: NetPeerOptions = {}): AnyRpc {
  resolveProtocol(options, undefined);
  const stream = Duplex.from({ readable: process.stdin, writable: process.stdout });
  return makePeer(stream, services, options, undefined, 'content-length');
}
