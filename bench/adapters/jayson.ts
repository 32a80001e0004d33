/**
 * Peer: jayson 5 — its TCP server (`server.tcp()`, newline-delimited JSON).
 *
 * jayson's own TCP client (lib/client/tcp.js) opens a new connection for
 * every request and closes it after the response, so using it would measure
 * connection set-up, not RPC. The client here is jayson's generic `Client`
 * (its request building, uuid ids and response handling) with a transport
 * (`_request`) that keeps one socket and reads responses with jayson's own
 * stream parser, `utils.parseStream`.
 */
import * as net from 'net';
import * as jayson from 'jayson';
import type { Adapter, BenchClient, BenchServer } from '../types';
import { closeSocket, dial, serve } from '../net-util';

type Callback = (err?: Error | null, result?: unknown) => void;

interface JsonRpcResponse {
  id?: string | number | null;
  result?: unknown;
  error?: { message: string };
}

async function startServer(port: number): Promise<BenchServer> {
  let ticks = 0;
  const rpc = new jayson.Server({
    echo: (args: unknown[], cb: Callback) => cb(null, args[0]),
    count: (_args: unknown, cb: Callback) => cb(null, ticks),
    tick: (_args: unknown, cb: Callback) => {
      ticks++;
      cb();
    },
  });
  const server = rpc.tcp() as unknown as net.Server;
  return serve(server, port);
}

async function connect(port: number): Promise<BenchClient> {
  const socket = await dial(port);
  const pending = new Map<string | number, (err: Error | null, res?: JsonRpcResponse) => void>();
  const options = { encoding: 'utf8' as const, delimiter: '\n' };
  socket.setEncoding('utf8');
  jayson.utils.parseStream(socket, options, (err, res?: JsonRpcResponse) => {
    if (err || !res || res.id === undefined || res.id === null) {
      socket.destroy(err ?? new Error('jayson: unexpected message'));
      return;
    }
    const cb = pending.get(res.id);
    pending.delete(res.id);
    cb?.(null, res);
  });
  socket.on('close', () => {
    for (const cb of pending.values()) cb(new Error('jayson: connection closed'));
    pending.clear();
  });
  const client = new jayson.Client({}) as jayson.Client & {
    _request(req: { id?: string | number | null }, cb: (err: Error | null, res?: JsonRpcResponse) => void): void;
  };
  client._request = (req, cb) => {
    jayson.utils.JSON.stringify(req, {}, (err, body) => {
      if (err) return cb(err);
      socket.write(body + '\n');
      if (req.id === undefined || req.id === null) cb(null);
      else pending.set(req.id, cb);
    });
  };
  const request = (method: string, params: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      client.request(method, params, (err: unknown, response?: unknown) => {
        const res = response as JsonRpcResponse | undefined;
        if (err) reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        else if (res?.error) reject(new Error(res.error.message));
        else resolve(res?.result);
      });
    });
  return {
    call: (x) => request('echo', [x]),
    notify() {
      // id null makes jayson build a notification; no callback is waited on.
      client.request('tick', [], null, () => undefined);
    },
    count: () => request('count', []) as Promise<number>,
    close: () => closeSocket(socket),
  };
}

/** jayson's TCP server with a one-socket jayson client. */
export const adapter: Adapter = { startServer, connect };
