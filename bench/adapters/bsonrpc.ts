/**
 * The library under test, through its public API only (API.md): one
 * `@serviceClass` with `echo`, `count` and the notification `tick`, served
 * by `JsonRpc` (variant = framing, e.g. 'ndjson', 'rfc7464') or `BsonRpc`
 * (variant 'bson'). The client side is a peer too (with its own empty
 * service object), calling through `invokeRequest`/`invokeNotification`.
 */
import * as net from 'net';
import { z } from 'zod';
import { BsonRpc, JsonRpc, notification, request, serviceClass } from '../../lib';
import type { Adapter, BenchClient, BenchServer } from '../types';
import { closeSocket, dial, serve } from '../net-util';

/** Notifications seen by this server process, over all connections. */
let ticks = 0;

/** The benchmark service: what every adapter's server offers. */
@serviceClass
export class Bench {
  @request echo(x: unknown): unknown {
    return x;
  }

  @request count(): number {
    return ticks;
  }

  @notification tick(): void {
    ticks++;
  }
}

/**
 * `Bench` with its parameter declared: `echo(x: string)` is checked against
 * its design type before it runs (docs/validation.md). The rows
 * `bsonrpc-typed` and `bsonrpc-zod` measure what validation costs against
 * `bsonrpc-ndjson`, whose `echo(x: unknown)` records `Object` and is not
 * checked. Every workload echoes strings over JSON, so both serve them all.
 */
@serviceClass
export class TypedBench extends Bench {
  @request override echo(x: string): string {
    return x;
  }
}

/** `echo` checked by a Standard Schema validator (zod) instead of its design type. */
@serviceClass
export class ZodBench extends Bench {
  @request({ validate: { x: z.string() }, checkTypes: false }) override echo(x: string): string {
    return x;
  }
}

/** The client end offers nothing: the server never calls back. */
@serviceClass
export class Nothing {}

type Peer = JsonRpc | BsonRpc;

function peer(socket: net.Socket, services: object, variant: string): Peer {
  if (variant === 'bson') return new BsonRpc(socket, services);
  return new JsonRpc(socket, services, { framing: variant as 'ndjson' });
}

/** The service a variant serves: `ndjson-typed` and `ndjson-zod` validate `echo`'s argument. */
function benchFor(variant: string): { services: Bench; framing: string } {
  if (variant.endsWith('-typed')) return { services: new TypedBench(), framing: variant.slice(0, -'-typed'.length) };
  if (variant.endsWith('-zod')) return { services: new ZodBench(), framing: variant.slice(0, -'-zod'.length) };
  return { services: new Bench(), framing: variant };
}

async function startServer(port: number, variant = 'rfc7464'): Promise<BenchServer> {
  const { services, framing } = benchFor(variant);
  const server = net.createServer((socket) => {
    const rpc = peer(socket, services, framing);
    rpc.on('error', (e: unknown) => process.stderr.write(`bsonrpc server: ${String(e)}\n`));
  });
  return serve(server, port);
}

async function connect(port: number, variant = 'rfc7464'): Promise<BenchClient> {
  const socket = await dial(port);
  const rpc = peer(socket, new Nothing(), benchFor(variant).framing);
  rpc.on('error', (e: unknown) => process.stderr.write(`bsonrpc client: ${String(e)}\n`));
  return {
    call: (x) => rpc.invokeRequest('echo', x),
    notify: () => rpc.invokeNotification('tick'),
    count: () => rpc.invokeRequest('count') as Promise<number>,
    // rpc.close() ends the socket itself (and destroys it once drained).
    close: () => closeSocket(socket, () => rpc.close()),
  };
}

/** BsonRpc echoes a Buffer (BSON binary) of the run's big size in `big`; JsonRpc the default string. */
function bigPayload(variant: string | undefined, bytes: number): unknown {
  return variant === 'bson' ? Buffer.alloc(bytes, 0x61) : undefined;
}

/** bsonrpc's JsonRpc (variant = framing) or BsonRpc (variant 'bson'). */
export const adapter: Adapter = { startServer, connect, bigPayload };
