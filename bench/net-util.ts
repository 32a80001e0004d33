/** Small socket helpers shared by the adapters. */
import * as net from 'net';
import type { BenchServer } from './types';

/** Host every server binds to and every client dials: loopback only. */
const HOST = '127.0.0.1';

/** Starts `server` on HOST:`port` (0 = ephemeral) and resolves to the bound port. */
function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * Sockets from `dial` whose 'close' event has fired. A net.Socket sets
 * `destroyed` and even `closed` at once on destroy(), but emits 'close' only
 * later, once libuv has closed the handle; no public property says it has
 * been emitted, so `dial` records it here for `closeSocket`.
 */
const closeEmitted = new WeakSet<net.Socket>();

function markClosed(this: net.Socket): void {
  closeEmitted.add(this);
}

/**
 * Opens a TCP connection with Nagle disabled, as every adapter does, so no
 * row pays the 40 ms delayed-ACK interaction that others avoid.
 */
export function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: HOST, noDelay: true });
    socket.on('close', markClosed);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Closes a socket from `dial` with `end` (default `socket.end()`) and resolves once it has emitted 'close'. */
export function closeSocket(socket: net.Socket, end: () => void = () => socket.end()): Promise<void> {
  if (closeEmitted.has(socket)) return Promise.resolve();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  // Destroyed but not yet closed (e.g. the server hung up): only wait.
  if (!socket.destroyed) end();
  return closed;
}

/**
 * A `write` for the floors that corks the socket on the first write of a
 * tick and uncorks on the next tick, so a burst (a chunk of pipelined
 * requests, a loop of notifications) leaves in one `writev` — as any
 * careful RPC library does. Without it a library that batches would beat
 * the "floor", and the floor would stop being one.
 */
export function tickWriter(socket: net.Socket): (data: string | Buffer) => void {
  // BENCH_FLOOR_CORK=0 gives the naive floor (one socket.write per frame),
  // for comparison with runs made before the floors corked.
  if (process.env.BENCH_FLOOR_CORK === '0') return (data) => void socket.write(data);
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return (data) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    socket.write(data);
  };
}

/** Server side: an error on one connection (a reset by a client that went away) must not crash the server child. */
function ignoreError(): void {}

/** Listens with `server` on HOST:`port` (0 = ephemeral), Nagle off and errors ignored on every connection. */
export async function serve(server: net.Server, port: number): Promise<BenchServer> {
  // Tracked so that close() can destroy them: `server.close()` alone waits
  // for clients that the bench may have abandoned.
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    s.setNoDelay(true);
    s.on('error', ignoreError);
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { port: await listen(server, port), close };
}
