/**
 * The rows of the benchmark: which adapter module serves each, and what
 * role the row plays in the goals (the library, a peer library, a floor).
 */

/** Role of a row in the goal evaluation. */
export type Kind = 'bsonrpc' | 'peer' | 'floor';

/** One row: a module under bench/adapters/ plus the variant it is given. */
export interface AdapterEntry {
  /** Row name in tables, results and `BENCH_ADAPTERS`. */
  name: string;
  /** File name under bench/adapters/, without extension. */
  module: string;
  /** Passed to the adapter's startServer/connect (e.g. a framing). */
  variant?: string;
  kind: Kind;
  /** What the row is, for the docs and the JSON results. */
  note: string;
}

/** Every row, in report order. */
export const ADAPTERS: readonly AdapterEntry[] = [
  { name: 'bsonrpc-rfc7464', module: 'bsonrpc', variant: 'rfc7464', kind: 'bsonrpc', note: 'JsonRpc, rfc7464 framing' },
  { name: 'bsonrpc-ndjson', module: 'bsonrpc', variant: 'ndjson', kind: 'bsonrpc', note: 'JsonRpc, ndjson framing' },
  { name: 'bsonrpc-bson', module: 'bsonrpc', variant: 'bson', kind: 'bsonrpc', note: 'BsonRpc; big = 1 MiB Buffer' },
  { name: 'vscode-jsonrpc', module: 'vscode-jsonrpc', kind: 'peer', note: 'vscode-jsonrpc 10.0.0, Content-Length' },
  { name: 'jayson', module: 'jayson', kind: 'peer', note: 'jayson 5.0.0 TCP server, one-socket client' },
  { name: 'json-rpc-2.0', module: 'json-rpc-2.0', kind: 'peer', note: 'json-rpc-2.0 1.8.1, ndjson' },
  { name: 'birpc', module: 'birpc', kind: 'peer', note: 'birpc 4.2.0, ndjson + JSON' },
  { name: 'floor-raw', module: 'raw-floor', kind: 'floor', note: 'raw socket echo, no parsing' },
  { name: 'floor-json', module: 'json-floor', kind: 'floor', note: 'JSON.parse/stringify echo, ndjson' },
];

/** The peer every row is compared with in the ratio table. */
export const BASELINE = 'vscode-jsonrpc';
