/**
 * What the `bsonrpc` command prints when something fails, and with which
 * exit code: the one place where an error becomes a line on stderr and a
 * number (API.md, "CLI"):
 *
 * - 0 success;
 * - 1 the peer answered an error (`error <code>: <message>`, then `data`);
 * - 2 usage error (bad arguments, a bad URL);
 * - 3 cannot connect, connection lost, or timed out.
 *
 * Uses the package's public API only, as a user's tool would.
 */
import { ConnectError, ConnectionClosedError, PeerError, ResponseTimeout } from '../index';

/** Exit codes of the `bsonrpc` command. */
export const EXIT = { ok: 0, peerError: 1, usage: 2, unreachable: 3 } as const;

/** A mistake in the command line; its message says which argument. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Where the CLI writes: the process's streams, or a test's buffers. */
export interface CliIo {
  /** Results (what a script reads). */
  out: (text: string) => void;
  /** Errors, logs and help. */
  err: (text: string) => void;
  /** The environment (`BSONRPC_NS`). */
  env: Record<string, string | undefined>;
}

/** JSON for printing: bigints as numbers when exact (else strings), Buffers as base64. */
export function toJson(value: unknown, indent?: number): string {
  return (
    JSON.stringify(
      value === undefined ? null : value,
      function (this: unknown, key, v: unknown) {
        if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
        const raw = (this as Record<string, unknown>)[key];
        if (Buffer.isBuffer(raw) || raw instanceof Uint8Array) return Buffer.from(raw as Uint8Array).toString('base64');
        return v;
      },
      indent,
    ) ?? 'null'
  );
}

/** Prints `err` as the CLI reports it; returns the exit code. */
export function report(err: unknown, io: CliIo): number {
  if (err instanceof PeerError) {
    io.err(`error ${err.code}: ${err.message}\n`);
    if (err.data !== undefined) io.err(`${toJson(err.data, 2)}\n`);
    return EXIT.peerError;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof UsageError || err instanceof TypeError) {
    io.err(`bsonrpc: ${message}\n`);
    return EXIT.usage;
  }
  if (err instanceof ConnectError || err instanceof ConnectionClosedError || err instanceof ResponseTimeout) {
    io.err(`bsonrpc: ${message}\n`);
    return EXIT.unreachable;
  }
  io.err(`bsonrpc: ${err instanceof Error && err.stack ? err.stack : message}\n`);
  return EXIT.peerError;
}

/** A positive integer option (`--timeout 500`), or a {@link UsageError} naming it. */
export function positiveInt(option: string, text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${option} must be a positive integer of ms, got "${text}"`);
  return n;
}

/** The name server to use: `--ns`, else `$BSONRPC_NS`, else `tcp://127.0.0.1:9090`. */
export function nsUrl(option: string | undefined, io: CliIo, fallback: string): string {
  return option ?? (io.env.BSONRPC_NS || fallback);
}
