/**
 * bsonrpc over WebSocket, through its public URL API (`listen` and
 * `connect` with a ws:// URL): the same `Bench` service as the TCP rows,
 * one JSON-RPC message per WebSocket message. Variant 'json' (text
 * messages, JsonRpc) or 'bson' (binary messages, BsonRpc).
 */
import { connect as connectUrl, listen } from '../../lib';
import { Bench, Nothing, Ticks } from './bsonrpc';
import { fanOut } from './bsonrpc-listen';
import type { Adapter, BenchClient, BenchServer, TickHandler } from '../types';

// The same service classes as the TCP rows, so every row serves exactly the same methods.

const url = (port: number, variant: string | undefined): string => `ws://127.0.0.1:${port}/bench${variant === 'bson' ? '?protocol=bson' : ''}`;

async function startServer(port: number, variant?: string): Promise<BenchServer> {
  const services = new Bench();
  const server = await listen(url(port, variant), () => services);
  server.on('connection', (rpc) => rpc.on('error', (e: unknown) => process.stderr.write(`bsonrpc ws server: ${String(e)}\n`)));
  return {
    port: Number(new URL(server.url).port),
    close: async () => void (await server.close({ timeout: 1000 })),
    broadcast: (method, params) => fanOut(server, method, params),
  };
}

async function connect(port: number, variant?: string, onTick?: TickHandler): Promise<BenchClient> {
  const rpc = await connectUrl(url(port, variant), onTick ? new Ticks(onTick) : new Nothing());
  rpc.on('error', (e: unknown) => process.stderr.write(`bsonrpc ws client: ${String(e)}\n`));
  return {
    call: (x) => rpc.invokeRequest('echo', x),
    notify: () => rpc.invokeNotification('tick'),
    count: () => rpc.invokeRequest('count') as Promise<number>,
    close: () => {
      if (rpc.isClosed) return Promise.resolve();
      const closed = new Promise<void>((resolve) => rpc.once('close', () => resolve()));
      rpc.close();
      return closed;
    },
  };
}

/** BsonRpc echoes a Buffer (BSON binary) of the run's big size in `big`; JsonRpc the default string. */
function bigPayload(variant: string | undefined, bytes: number): unknown {
  return variant === 'bson' ? Buffer.alloc(bytes, 0x61) : undefined;
}

/** bsonrpc over ws:// (variant 'json' or 'bson'). */
export const adapter: Adapter = { startServer, connect, bigPayload };
