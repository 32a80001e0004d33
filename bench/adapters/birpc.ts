/**
 * Peer: birpc 4.2 — `createBirpc` over the shared newline framing with
 * `JSON.stringify`/`JSON.parse` as its serializer (birpc has no transport
 * of its own). Its wire format is its own compact one, not JSON-RPC.
 * `require('birpc')` of this ESM-only package works on Node >= 20.19.
 */
import * as net from 'net';
import type { createBirpc as CreateBirpc } from 'birpc' with { 'resolution-mode': 'import' };
import type { Adapter, BenchClient, BenchServer } from '../types';
import { closeSocket, dial, serve } from '../net-util';
import { onLines } from '../lines';

// A CommonJS file may not `import` an ES module under the project's
// node16 resolution, but Node >= 20.19 can require() it; the types come
// from the type-only import above.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createBirpc } = require('birpc') as { createBirpc: typeof CreateBirpc };

interface ServerFns {
  echo(x: unknown): unknown;
  tick(): void;
  count(): number;
}

function channel(socket: net.Socket) {
  let deliver: (data: unknown) => void = () => undefined;
  onLines(socket, (line) => deliver(line));
  return {
    post: (data: string) => {
      socket.write(data + '\n');
    },
    on: (fn: (data: unknown) => void) => {
      deliver = fn;
    },
    serialize: (v: unknown) => JSON.stringify(v),
    deserialize: (v: string) => JSON.parse(v) as unknown,
  };
}

async function startServer(port: number): Promise<BenchServer> {
  let ticks = 0;
  const fns: ServerFns = {
    echo: (x) => x,
    tick: () => {
      ticks++;
    },
    count: () => ticks,
  };
  const server = net.createServer((socket) => {
    const rpc = createBirpc<Record<string, never>, ServerFns>(fns, channel(socket));
    socket.once('close', () => rpc.$close());
  });
  return serve(server, port);
}

async function connect(port: number): Promise<BenchClient> {
  const socket = await dial(port);
  const rpc = createBirpc<ServerFns, Record<string, never>>({}, channel(socket));
  // $close rejects the pending calls, so a dead server fails the run at once.
  socket.once('close', () => {
    if (!rpc.$closed) rpc.$close(new Error('birpc: connection closed'));
  });
  return {
    call: (x) => rpc.echo(x),
    notify() {
      rpc.$callEvent('tick').catch(() => undefined);
    },
    count: () => rpc.count(),
    async close() {
      if (!rpc.$closed) rpc.$close();
      await closeSocket(socket);
    },
  };
}

/** birpc over newline-framed sockets. */
export const adapter: Adapter = { startServer, connect };
