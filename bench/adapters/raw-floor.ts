/**
 * Floor 1: a raw `net.Socket` echo. The server writes back every chunk it
 * receives, untouched; the client sends frames of exactly the size an
 * ndjson JSON-RPC request would have and counts bytes, never parsing them.
 * Writes of one tick leave in one writev. What remains is the cost of the
 * sockets, the event loop and promise bookkeeping: no RPC library can beat
 * it on the same transport.
 *
 * Notifications are echoed too (there is nothing to tell them apart without
 * parsing); the client just skips those bytes. Echoing one 64 KiB chunk is a
 * single write, so this adds little per notification.
 */
import * as net from 'net';
import type { Adapter, BenchClient, BenchServer } from '../types';
import { closeSocket, dial, serve, tickWriter } from '../net-util';

/** The ndjson JSON-RPC request `echo(x)` would be, with a typical 6-digit id. */
function requestFrame(x: unknown): Buffer {
  return Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 100000, method: 'echo', params: [x] }) + '\n');
}

const NOTIFY_FRAME = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'tick' }) + '\n');
const COUNT_FRAME = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 100000, method: 'count' }) + '\n');

async function startServer(port: number): Promise<BenchServer> {
  const server = net.createServer((socket) => {
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
  });
  return serve(server, port);
}

interface Waiter {
  /** Total received bytes at which this call's echo is complete. */
  until: number;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  value: unknown;
}

async function connect(port: number): Promise<BenchClient> {
  const socket = await dial(port);
  // Frames are cached by payload identity: the workloads reuse one payload,
  // and the floor must not pay for building JSON.
  let lastPayload: unknown = Symbol('none');
  let lastFrame: Buffer = Buffer.alloc(0);
  let sent = 0;
  let received = 0;
  let notified = 0;
  const waiters: Waiter[] = [];
  let head = 0;
  const write = tickWriter(socket);
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    while (head < waiters.length && waiters[head].until <= received) {
      const w = waiters[head++];
      w.resolve(w.value);
    }
    if (head > 1024 && head * 2 > waiters.length) {
      waiters.splice(0, head);
      head = 0;
    }
  });
  socket.on('close', () => {
    for (let i = head; i < waiters.length; i++) waiters[i].reject(new Error('raw floor: connection closed'));
    waiters.length = head = 0;
  });
  const send = (frame: Buffer, value: unknown): Promise<unknown> => {
    sent += frame.length;
    write(frame);
    return new Promise((resolve, reject) => waiters.push({ until: sent, resolve, reject, value }));
  };
  return {
    call(x) {
      if (x !== lastPayload) {
        lastPayload = x;
        lastFrame = requestFrame(x);
      }
      // Resolve to the payload itself: the bytes that came back are the
      // same size, and the floor does not decode them.
      return send(lastFrame, x);
    },
    notify() {
      notified++;
      sent += NOTIFY_FRAME.length;
      write(NOTIFY_FRAME);
    },
    async count() {
      await send(COUNT_FRAME, undefined);
      return notified;
    },
    close: () => closeSocket(socket),
  };
}

/** The raw socket echo floor. */
export const adapter: Adapter = { startServer, connect };
