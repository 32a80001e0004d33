/**
 * Peer: json-rpc-2.0 1.8 — one `JSONRPCServerAndClient` per socket end,
 * over the shared newline framing (the library has none of its own).
 */
import * as net from 'net';
import { JSONRPCClient, JSONRPCServer, JSONRPCServerAndClient } from 'json-rpc-2.0';
import type { Adapter, BenchClient, BenchServer, TickHandler } from '../types';
import { closeSocket, dial, serve } from '../net-util';
import { onLines } from '../lines';

function wrap(socket: net.Socket): JSONRPCServerAndClient {
  const peer = new JSONRPCServerAndClient(
    new JSONRPCServer(),
    new JSONRPCClient((payload) => {
      socket.write(JSON.stringify(payload) + '\n');
    }),
  );
  onLines(socket, (line) => {
    // receiveAndSend rejects only for input that is not JSON-RPC, which this
    // bench never sends; surface it loudly if it happens.
    peer.receiveAndSend(JSON.parse(line)).catch((e: unknown) => {
      process.stderr.write(`json-rpc-2.0: ${String(e)}\n`);
      socket.destroy();
    });
  });
  return peer;
}

async function startServer(port: number): Promise<BenchServer> {
  let ticks = 0;
  const peers = new Set<JSONRPCServerAndClient>();
  const server = net.createServer((socket) => {
    const peer = wrap(socket);
    peers.add(peer);
    socket.once('close', () => peers.delete(peer));
    peer.addMethod('echo', (params: unknown) => (params as unknown[])[0]);
    peer.addMethod('count', () => ticks);
    peer.addMethod('tick', () => {
      ticks++;
    });
  });
  const broadcast = (method: string, params: unknown[]): string => {
    for (const peer of peers) peer.notify(method, params);
    return 'notify loop';
  };
  return { ...(await serve(server, port)), broadcast };
}

async function connect(port: number, _variant?: string, onTick?: TickHandler): Promise<BenchClient> {
  const socket = await dial(port);
  const peer = wrap(socket);
  if (onTick) peer.addMethod('tick', (params: unknown) => onTick((params as number[])[0]));
  socket.on('close', () => peer.rejectAllPendingRequests('json-rpc-2.0: connection closed'));
  return {
    call: (x) => peer.request('echo', [x]) as Promise<unknown>,
    notify: () => peer.notify('tick', undefined),
    count: () => peer.request('count', undefined) as Promise<number>,
    close: () => closeSocket(socket),
  };
}

/** json-rpc-2.0 over newline-framed sockets. */
export const adapter: Adapter = { startServer, connect };
