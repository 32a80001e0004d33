/**
 * Peer: vscode-jsonrpc 10 — `createMessageConnection` with its Node
 * `StreamMessageReader`/`StreamMessageWriter` over a `net.Socket`, i.e. its
 * own `Content-Length` framing, defaults otherwise.
 */
import * as net from 'net';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Adapter, BenchClient, BenchServer, TickHandler } from '../types';
import { closeSocket, dial, serve } from '../net-util';

function wrap(socket: net.Socket): MessageConnection {
  return createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
}

async function startServer(port: number): Promise<BenchServer> {
  let ticks = 0;
  const conns = new Set<MessageConnection>();
  const server = net.createServer((socket) => {
    const conn = wrap(socket);
    conns.add(conn);
    conn.onRequest('echo', (x: unknown) => x);
    conn.onRequest('count', () => ticks);
    conn.onNotification('tick', () => {
      ticks++;
    });
    conn.onError(() => undefined);
    socket.once('close', () => {
      conns.delete(conn);
      conn.dispose();
    });
    conn.listen();
  });
  const broadcast = (method: string, params: unknown[]): string => {
    for (const conn of conns) conn.sendNotification(method, ...params).catch(() => undefined);
    return 'sendNotification loop';
  };
  return { ...(await serve(server, port)), broadcast };
}

async function connect(port: number, _variant?: string, onTick?: TickHandler): Promise<BenchClient> {
  const socket = await dial(port);
  const conn = wrap(socket);
  if (onTick) conn.onNotification('tick', (stamp: number) => onTick(stamp));
  // Disposing rejects pending requests, so a dead server fails the run at once.
  socket.once('close', () => conn.dispose());
  conn.listen();
  return {
    call: (x) => conn.sendRequest('echo', x),
    notify() {
      // sendNotification returns a promise that settles once written; a
      // rejection would mean a broken socket, which the fence call reports.
      conn.sendNotification('tick').catch(() => undefined);
    },
    count: () => conn.sendRequest<number>('count'),
    async close() {
      conn.dispose();
      await closeSocket(socket);
    },
  };
}

/** vscode-jsonrpc over one socket per client. */
export const adapter: Adapter = { startServer, connect };
