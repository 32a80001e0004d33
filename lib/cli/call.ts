/**
 * `bsonrpc call URL METHOD [ARG...]`: one request (or notification) from
 * the shell. Each ARG is JSON when it parses as JSON, else a string;
 * `--named` gives the params as one JSON object instead. The result is
 * printed as JSON on stdout.
 */
import { connect, DEFAULT_CONNECT_TIMEOUT } from '../index';
import type { ConnectOptions, FramingName } from '../index';
import { CliIo, positiveInt, toJson, UsageError } from './report';

/** The options `call` takes. */
export interface CallFlags {
  /** `--named JSON`. */
  named?: string;
  /** `--notify`. */
  notify?: boolean;
  /** `--timeout MS`. */
  timeout?: string;
  /** `--framing NAME`. */
  framing?: string;
}

/** An ARG as the CLI reads it: JSON when it parses, else the text itself. */
export function parseArg(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The request's params from ARGs or `--named`; throws a {@link UsageError} naming the argument. */
export function callParams(args: string[], named: string | undefined): unknown[] | Record<string, unknown> | undefined {
  if (named === undefined) return args.length ? args.map(parseArg) : undefined;
  if (args.length) throw new UsageError('give the params either as ARGs or as --named, not both');
  let value: unknown;
  try {
    value = JSON.parse(named);
  } catch (err) {
    throw new UsageError(`--named: not valid JSON (${(err as Error).message}): ${named}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--named: must be a JSON object such as '{"a":1}', got ${named}`);
  }
  return value as Record<string, unknown>;
}

/** Runs `call`; resolves to the exit code (errors are thrown to the caller, which reports them). */
export async function runCall(url: string, method: string, args: string[], flags: CallFlags, io: CliIo): Promise<number> {
  const params = callParams(args, flags.named);
  const timeout = flags.timeout === undefined ? DEFAULT_CONNECT_TIMEOUT : positiveInt('--timeout', flags.timeout);
  const options: ConnectOptions = { connectTimeout: timeout, timeout };
  if (flags.framing !== undefined) options.framing = flags.framing as FramingName;
  const rpc = await connect(url, null, options);
  try {
    if (flags.notify) {
      rpc.sendNotification(method, params);
      return 0;
    }
    const result = await rpc.sendRequest(method, params, { timeout });
    io.out(`${toJson(result)}\n`);
    return 0;
  } finally {
    rpc.close();
    await rpc.join(timeout);
  }
}
