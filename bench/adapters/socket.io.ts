/**
 * Peer over WebSocket, scale workloads only: socket.io 4.8 (server
 * `socket.io`, client `socket.io-client`), WebSocket transport only (no
 * long-polling upgrade dance), defaults otherwise. A call is an emit with
 * an ack (`emitWithAck`), the server's notification to all is `io.emit`
 * (socket.io's own broadcast: one encode for every receiver).
 */
import { createServer } from 'http';
import { once } from 'events';
import { Server } from 'socket.io';
import { io as connectIo, type Socket } from 'socket.io-client';
import type { Adapter, BenchClient, BenchServer, TickHandler } from '../types';

type Ack = (v: unknown) => void;

async function startServer(port: number): Promise<BenchServer> {
  let ticks = 0;
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], serveClient: false });
  io.on('connection', (socket) => {
    socket.on('echo', (x: unknown, ack: Ack) => ack(x));
    socket.on('count', (ack: Ack) => ack(ticks));
    socket.on('tick', () => {
      ticks++;
    });
  });
  http.listen(port, '127.0.0.1');
  await once(http, 'listening');
  return {
    port: (http.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        io.disconnectSockets(true);
        void io.close(() => resolve());
      }),
    broadcast: (method, params) => {
      io.emit(method, ...params);
      return 'io.emit';
    },
  };
}

async function connect(port: number, _variant?: string, onTick?: TickHandler): Promise<BenchClient> {
  const socket: Socket = connectIo(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  if (onTick) socket.on('tick', (stamp: number) => onTick(stamp));
  return {
    call: (x) => socket.emitWithAck('echo', x),
    notify() {
      socket.emit('tick');
    },
    count: () => socket.emitWithAck('count') as Promise<number>,
    close: () => {
      // disconnect() emits 'disconnect' at once; the WebSocket under it closes after.
      const engine = socket.io.engine;
      if (!engine || engine.readyState === 'closed') return Promise.resolve(void socket.disconnect());
      const closed = new Promise<void>((resolve) => engine.once('close', () => resolve()));
      socket.disconnect();
      return closed;
    },
  };
}

/** socket.io with acks over its WebSocket transport. */
export const adapter: Adapter = { startServer, connect };
