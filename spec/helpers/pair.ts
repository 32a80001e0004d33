/**
 * Two peers over a linked in-memory duplex pair, with a check that fails
 * the test when a request is left pending or a handler is still running.
 */
import type { Duplex } from 'node:stream';
import { BsonRpc, createDuplexPair, JsonRpc, PeerOptions, RpcPeer } from '../../lib';
import { logSink, LogSink } from './log-sink';

/** Which peer class a suite runs over. */
export type PeerKind = 'json' | 'bson';

/** A linked pair of peers and what the test needs to inspect them. */
export interface Pair<P extends RpcPeer = RpcPeer> {
  a: P;
  b: P;
  sockets: [Duplex, Duplex];
  logs: LogSink;
  /** Closes both sides and asserts nothing was left pending or running. */
  finish(): Promise<void>;
}

/** Creates a peer of `kind` over `socket`. */
export function makePeer(kind: PeerKind, socket: Duplex, services?: object | null, options: PeerOptions & Record<string, unknown> = {}): RpcPeer {
  return kind === 'json' ? new JsonRpc(socket, services, options) : new BsonRpc(socket, services, options);
}

/** Creates a linked pair: `a` serves `servicesA`, `b` serves `servicesB`. */
export function pair(kind: 'json', servicesA?: object, servicesB?: object, optionsA?: PeerOptions & Record<string, unknown>, optionsB?: PeerOptions & Record<string, unknown>): Pair<JsonRpc>;
export function pair(kind: PeerKind, servicesA?: object, servicesB?: object, optionsA?: PeerOptions & Record<string, unknown>, optionsB?: PeerOptions & Record<string, unknown>): Pair;
export function pair(
  kind: PeerKind,
  servicesA?: object,
  servicesB?: object,
  optionsA: PeerOptions & Record<string, unknown> = {},
  optionsB: PeerOptions & Record<string, unknown> = optionsA,
): Pair<any> {
  const logs = logSink();
  const sockets = createDuplexPair();
  const a = makePeer(kind, sockets[0], servicesA, { logger: logs.logger, connectionId: 'a', ...optionsA });
  const b = makePeer(kind, sockets[1], servicesB, { logger: logs.logger, connectionId: 'b', ...optionsB });
  return {
    a,
    b,
    sockets,
    logs,
    async finish() {
      const leftover = { a: a.stats(), b: b.stats() };
      a.close();
      b.close();
      expect(await a.join(2000)).toBe(true);
      expect(await b.join(2000)).toBe(true);
      expect(leftover).toEqual({ a: { pendingRequests: 0, runningHandlers: 0 }, b: { pendingRequests: 0, runningHandlers: 0 } });
    },
  };
}
