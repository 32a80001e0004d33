/**
 * Floor 2: the least a JSON-RPC peer over ndjson must do. The server parses
 * each line and stringifies a response; the client stringifies requests and
 * parses responses, matching ids in a Map; writes of one tick leave in one
 * writev. No validation, no dispatch table, no error handling: what is
 * left is the JSON and socket cost that every library row also pays.
 */
import * as net from 'net';
import type { Adapter, BenchClient, BenchServer, TickHandler } from '../types';
import { closeSocket, dial, serve, tickWriter } from '../net-util';
import { onLines } from '../lines';

interface Msg {
  id?: number;
  method?: string;
  params?: unknown[];
  result?: unknown;
}

async function startServer(port: number): Promise<BenchServer> {
  let ticks = 0;
  const writers = new Map<net.Socket, (data: string) => void>();
  const server = net.createServer((socket) => {
    const write = tickWriter(socket);
    writers.set(socket, write);
    socket.once('close', () => writers.delete(socket));
    onLines(socket, (line) => {
      const msg = JSON.parse(line) as Msg;
      if (msg.id === undefined) {
        ticks++;
        return;
      }
      const result = msg.method === 'count' ? ticks : msg.params![0];
      write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\n');
    });
  });
  // The floor of fan-out: one stringify, the same string written to every socket.
  const broadcast = (method: string, params: unknown[]): string => {
    const frame = JSON.stringify({ jsonrpc: '2.0', method, params }) + '\n';
    for (const write of writers.values()) write(frame);
    return 'encode once, write loop';
  };
  return { ...(await serve(server, port)), broadcast };
}

async function connect(port: number, _variant?: string, onTick?: TickHandler): Promise<BenchClient> {
  const socket = await dial(port);
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const write = tickWriter(socket);
  onLines(socket, (line) => {
    const msg = JSON.parse(line) as Msg;
    if (msg.id === undefined) {
      onTick?.(msg.params![0] as number);
      return;
    }
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    p!.resolve(msg.result);
  });
  socket.on('close', () => {
    for (const p of pending.values()) p.reject(new Error('JSON floor: connection closed'));
    pending.clear();
  });
  const request = (method: string, params?: unknown[]): Promise<unknown> => {
    const id = nextId++;
    write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  };
  return {
    call: (x) => request('echo', [x]),
    notify() {
      write(JSON.stringify({ jsonrpc: '2.0', method: 'tick' }) + '\n');
    },
    count: () => request('count') as Promise<number>,
    close: () => closeSocket(socket),
  };
}

/** The minimal JSON parse/stringify echo floor. */
export const adapter: Adapter = { startServer, connect };
