/**
 * Peer: birpc 4.2 — `createBirpc` over the shared newline framing with
 * `JSON.stringify`/`JSON.parse` as its serializer (birpc has no transport
 * of its own). Its wire format is its own compact one, not JSON-RPC.
 * `require('birpc')` of this ESM-only package works on Node >= 20.19.
 */
import * as net from 'net';
import type { createBirpc as CreateBirpc } from 'birpc' with { 'resolution-mode': 'import' };
import type { Adapter, BenchClient, BenchServer, TickHandler } from '../types';
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

/** What a client serves: the scale `fanout` tick. */
interface ClientFns {
  tick(stamp: number): void;
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
  const clients = new Set<ReturnType<typeof createBirpc<ClientFns, ServerFns>>>();
  const server = net.createServer((socket) => {
    const rpc = createBirpc<ClientFns, ServerFns>(fns, channel(socket));
    clients.add(rpc);
    socket.once('close', () => {
      clients.delete(rpc);
      rpc.$close();
    });
  });
  const broadcast = (_method: string, params: unknown[]): string => {
    for (const rpc of clients) rpc.$callEvent('tick', params[0] as number).catch(() => undefined);
    return '$callEvent loop';
  };
  return { ...(await serve(server, port)), broadcast };
}

async function connect(port: number, _variant?: string, onTick?: TickHandler): Promise<BenchClient> {
  const socket = await dial(port);
  const fns: ClientFns = { tick: (stamp) => onTick?.(stamp) };
  const rpc = createBirpc<ServerFns, ClientFns>(fns, channel(socket));
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
