/**
 * The WebSocket floor: the least a JSON-RPC peer over `ws` must do, as
 * json-floor is for TCP. The server parses each text message and sends a
 * response; the client sends requests and matches responses by id in a
 * Map. No validation, no dispatch table: what is left is the JSON and `ws`
 * cost that the bsonrpc-ws row also pays.
 */
import { once } from 'events';
import { WebSocket, WebSocketServer } from 'ws';
import type { Adapter, BenchClient, BenchServer } from '../types';

interface Msg {
  id?: number;
  method?: string;
  params?: unknown[];
  result?: unknown;
}

async function startServer(port: number): Promise<BenchServer> {
  let ticks = 0;
  const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
  server.on('connection', (ws) =>
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as Msg;
      if (msg.id === undefined) {
        ticks++;
        return;
      }
      const result = msg.method === 'count' ? ticks : msg.params![0];
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    }),
  );
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of server.clients) ws.terminate();
        server.close(() => resolve());
      }),
  };
}

async function connect(port: number): Promise<BenchClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
  await once(ws, 'open');
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as Msg;
    const p = pending.get(msg.id!);
    pending.delete(msg.id!);
    p!.resolve(msg.result);
  });
  ws.on('close', () => {
    for (const p of pending.values()) p.reject(new Error('ws floor: connection closed'));
    pending.clear();
  });
  const request = (method: string, params?: unknown[]): Promise<unknown> => {
    const id = nextId++;
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  };
  return {
    call: (x) => request('echo', [x]),
    notify: () => ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'tick' })),
    count: () => request('count') as Promise<number>,
    close: () => {
      if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
      const closed = once(ws, 'close').then(() => undefined);
      ws.close();
      return closed;
    },
  };
}

/** The minimal JSON echo over plain `ws`. */
export const adapter: Adapter = { startServer, connect };
