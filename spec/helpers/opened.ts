/**
 * What a spec opens over loopback (servers, peers, raw sockets), closed
 * after every test even when it failed: call `closedAfterEach()` at the top
 * of the spec file and push what the test opens.
 */
import type * as net from 'node:net';
import { WebSocket } from 'ws';
import { listen, Server } from '../../lib';
import type { AnyRpc } from '../../lib/net/options';

/** Registers the cleanup; returns the lists it empties, and `serve`, which listens with no services and records the server. */
export function closedAfterEach() {
  const servers: Server[] = [];
  const clients: AnyRpc[] = [];
  const sockets: (net.Socket | WebSocket)[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of sockets.splice(0)) {
      if (s instanceof WebSocket) s.terminate();
      else s.destroy();
    }
    await Promise.all(servers.splice(0).map((s) => s.close({ timeout: 1000 })));
  });
  async function serve(url: string, options = {}): Promise<Server> {
    const s = await listen(url, () => null, options);
    servers.push(s);
    return s;
  }
  return { servers, clients, sockets, serve };
}
