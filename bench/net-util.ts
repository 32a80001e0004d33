/** Small socket helpers shared by the adapters. */
import * as net from 'net';

/** Host every server binds to and every client dials: loopback only. */
export const HOST = '127.0.0.1';

/** Starts `server` on HOST:`port` (0 = ephemeral) and resolves to the bound port. */
export function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/**
 * Opens a TCP connection with Nagle disabled, as every adapter does, so no
 * row pays the 40 ms delayed-ACK interaction that others avoid.
 */
export function dial(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: HOST, noDelay: true });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Ends `socket` and resolves once it is fully closed (or at once if it already is). */
export function closeSocket(socket: net.Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.end();
  });
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

/**
 * Tracks a server's connections so `close()` can destroy them: `server.close()`
 * alone waits for clients that the bench may have abandoned.
 */
export function trackConnections(server: net.Server): () => Promise<void> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}
