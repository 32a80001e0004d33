/**
 * The rows of the benchmark: which adapter module serves each, and what
 * role the row plays in the goals (the library, a peer library, a floor).
 */
import { version } from './host';

/**
 * Role of a row in the goal evaluation ('baseline': an older bsonrpc, for
 * before/after; 'ws': over WebSocket, read against floor-ws; 'validation':
 * bsonrpc-ndjson with its argument checked, read against bsonrpc-ndjson;
 * none of these has the peer goals, which are set for TCP).
 */
export type Kind = 'bsonrpc' | 'peer' | 'floor' | 'baseline' | 'ws' | 'validation';

/** One row: a module under bench/adapters/ plus the variant it is given. */
export interface AdapterEntry {
  /** Row name in tables, results and `BENCH_ADAPTERS`. */
  name: string;
  /** File name under bench/adapters/, without extension. */
  module: string;
  /** Passed to the adapter's startServer/connect (e.g. a framing). */
  variant?: string;
  kind: Kind;
  /** For a peer row: the npm package it measures... */
  pkg?: string;
  /** ...and its version installed in node_modules, which the note and the results give. */
  version?: string;
  /** What the row is, for the docs and the JSON results. */
  note: string;
}

/**
 * A peer library's row, named after its npm package. The note starts with
 * the version installed in node_modules, not a copy of it that could go
 * stale when package.json moves on.
 */
function peer(pkg: string, rest: string): AdapterEntry {
  const v = version(pkg);
  return { name: pkg, module: pkg, kind: 'peer', pkg, version: v, note: `${pkg} ${v}${rest}` };
}

/** Every row, in report order. */
export const ADAPTERS: readonly AdapterEntry[] = [
  { name: 'bsonrpc-rfc7464', module: 'bsonrpc', variant: 'rfc7464', kind: 'bsonrpc', note: 'JsonRpc, rfc7464 framing' },
  { name: 'bsonrpc-ndjson', module: 'bsonrpc', variant: 'ndjson', kind: 'bsonrpc', note: 'JsonRpc, ndjson framing' },
  { name: 'bsonrpc-bson', module: 'bsonrpc', variant: 'bson', kind: 'bsonrpc', note: 'BsonRpc; big = a Buffer (BSON binary)' },
  { name: 'bsonrpc-typed', module: 'bsonrpc', variant: 'ndjson-typed', kind: 'validation', note: 'bsonrpc-ndjson with echo(x: string) checked by its design type' },
  { name: 'bsonrpc-zod', module: 'bsonrpc', variant: 'ndjson-zod', kind: 'validation', note: 'bsonrpc-ndjson with echo checked by a zod schema (z.string())' },
  peer('vscode-jsonrpc', ', Content-Length'),
  peer('jayson', ' TCP server, one-socket client'),
  peer('json-rpc-2.0', ', ndjson'),
  peer('birpc', ', ndjson + JSON'),
  { name: 'floor-raw', module: 'raw-floor', kind: 'floor', note: 'raw socket echo, no parsing' },
  { name: 'floor-json', module: 'json-floor', kind: 'floor', note: 'JSON.parse/stringify echo, ndjson' },
  { name: 'bsonrpc-ws', module: 'websocket', variant: 'json', kind: 'ws', note: 'JsonRpc over ws:// (listen/connect), one text message per message' },
  { name: 'bsonrpc-ws-bson', module: 'websocket', variant: 'bson', kind: 'ws', note: 'BsonRpc over ws://, binary messages; big = a Buffer' },
  { name: 'floor-ws', module: 'ws-floor', kind: 'ws', note: `plain ws ${version('ws')} JSON echo, no validation: the WebSocket floor` },
  ...baselineRows(process.env.BENCH_BASELINE),
];

/** With BENCH_BASELINE=<revision>: the bsonrpc rows again, built from lib/ at that revision (build.ts). */
function baselineRows(rev: string | undefined): AdapterEntry[] {
  if (!rev) return [];
  return (['rfc7464', 'ndjson', 'bson'] as const).map((variant) => ({
    name: `base-${variant}`,
    module: 'bsonrpc-base',
    variant,
    kind: 'baseline' as const,
    note: `bsonrpc at ${rev}, ${variant}`,
  }));
}

/** The peer every row is compared with in the ratio table. */
export const BASELINE = 'vscode-jsonrpc';
