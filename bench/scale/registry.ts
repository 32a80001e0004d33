/**
 * The rows of the scale workloads. bsonrpc is served through `listen` (as a
 * real server is); the peers reuse the single-connection adapters, which
 * also implement `broadcast` and the client's `tick` handler; socket.io
 * joins over WebSocket, next to bsonrpc-ws.
 */
import { version } from '../host';
import type { ScaleWorkload } from './types';

/**
 * Role of a row in the goals: 'bsonrpc' (TCP, judged against the TCP
 * peers), 'peer', 'floor', 'bsonrpc-ws' (judged against socket.io), 'ws-peer',
 * 'cores' (bsonrpc with `workers`).
 */
export type ScaleKind = 'bsonrpc' | 'peer' | 'floor' | 'bsonrpc-ws' | 'ws-peer' | 'cores';

/** One scale row. */
export interface ScaleRow {
  name: string;
  /** File under bench/adapters/, without extension. */
  module: string;
  variant?: string;
  kind: ScaleKind;
  /** `listen` option `workers` (cores rows). */
  workers?: number;
  note: string;
}

const peer = (pkg: string, rest: string): ScaleRow => ({ name: pkg, module: pkg, kind: 'peer', note: `${pkg} ${version(pkg)}${rest}` });

/** Every scale row, in report order. */
export const SCALE_ROWS: readonly ScaleRow[] = [
  { name: 'bsonrpc-ndjson', module: 'bsonrpc-listen', variant: 'ndjson', kind: 'bsonrpc', note: "listen('tcp://…?framing=ndjson'), JsonRpc" },
  {
    name: 'bsonrpc-rfc7464',
    module: 'bsonrpc-listen',
    variant: 'rfc7464',
    kind: 'bsonrpc',
    note: "listen('tcp://…'), JsonRpc, rfc7464 (the default)",
  },
  { name: 'bsonrpc-bson', module: 'bsonrpc-listen', variant: 'bson', kind: 'bsonrpc', note: "listen('tcp://…?protocol=bson'), BsonRpc" },
  peer('vscode-jsonrpc', ', Content-Length'),
  peer('json-rpc-2.0', ', ndjson'),
  peer('birpc', ', ndjson + JSON'),
  { name: 'floor-json', module: 'json-floor', kind: 'floor', note: 'JSON.parse/stringify echo, ndjson; fan-out encodes once' },
  { name: 'bsonrpc-ws', module: 'websocket', variant: 'json', kind: 'bsonrpc-ws', note: "listen('ws://…'), JsonRpc" },
  {
    name: 'socket.io',
    module: 'socket.io',
    kind: 'ws-peer',
    note: `socket.io ${version('socket.io')} + socket.io-client ${version('socket.io-client')}, websocket transport, emit with ack; fan-out io.emit`,
  },
  {
    name: 'bsonrpc-w1',
    module: 'bsonrpc-listen',
    variant: 'ndjson',
    kind: 'cores',
    workers: 1,
    note: "listen('tcp://…?framing=ndjson', …, { workers: 1 })",
  },
  {
    name: 'bsonrpc-w2',
    module: 'bsonrpc-listen',
    variant: 'ndjson',
    kind: 'cores',
    workers: 2,
    note: "listen('tcp://…?framing=ndjson', …, { workers: 2 })",
  },
];

/** Which workloads a row takes part in: the cores rows only in `cores` (a fanin), the others in the rest. */
export function rowRuns(row: ScaleRow, w: ScaleWorkload): boolean {
  return row.kind === 'cores' ? w === 'cores' : w !== 'cores';
}
