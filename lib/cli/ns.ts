/**
 * `bsonrpc ns …`: run a name server (`ns [--listen URL]`), or ask one
 * (`ns list [PREFIX] [--json]`, `ns lookup NAME`, `ns ping`, each with
 * `--ns URL`).
 */
import { DEFAULT_NS_URL, nameServer, startNameServer } from '../index';
import type { NameEntry } from '../index';
import { untilSignal } from './serve';
import { CliIo, nsUrl, toJson } from './report';

/** Runs a name server until SIGINT/SIGTERM. */
export async function runNameServer(listenUrl: string | undefined, io: CliIo, store?: string): Promise<number> {
  const server = await startNameServer(nsUrl(listenUrl, io, DEFAULT_NS_URL), store === undefined ? {} : { store });
  server.on('connection', (_peer, info) => io.err(`connection ${info.connectionId} from ${info.remoteAddress}:${info.remotePort ?? ''}\n`));
  server.on('disconnect', (_peer, info) => io.err(`disconnect ${info.connectionId}\n`));
  io.err(`name server on ${server.url}${store === undefined ? '' : ` (store ${store})`}\n`);
  await untilSignal();
  await server.close();
  return 0;
}

/** Asks the name server at `url` one thing, then closes the connection. */
async function ask<T>(url: string, what: (ns: ReturnType<typeof nameServer>) => Promise<T>): Promise<T> {
  const ns = nameServer(url);
  try {
    return await what(ns);
  } finally {
    await ns.close();
  }
}

/** `ns list`: a table (name, url, metadata) or, with `--json`, the array as `ns.list` answers it. */
export async function runList(prefix: string | undefined, flags: { ns?: string; json?: boolean }, io: CliIo): Promise<number> {
  const entries = await ask(nsUrl(flags.ns, io, DEFAULT_NS_URL), (ns) => ns.list(prefix ? { prefix } : {}));
  if (flags.json) io.out(`${toJson(entries, 2)}\n`);
  else io.out(table(entries));
  return 0;
}

/** `ns lookup NAME`: one URL (round-robin among several). */
export async function runLookup(name: string, flags: { ns?: string }, io: CliIo): Promise<number> {
  io.out(`${await ask(nsUrl(flags.ns, io, DEFAULT_NS_URL), (ns) => ns.lookup(name))}\n`);
  return 0;
}

/** `ns ping`: prints `pong`. */
export async function runPing(flags: { ns?: string }, io: CliIo): Promise<number> {
  io.out(`${await ask(nsUrl(flags.ns, io, DEFAULT_NS_URL), (ns) => ns.ping())}\n`);
  return 0;
}

/** Entries as aligned columns; metadata as `key=value` pairs. */
function table(entries: NameEntry[]): string {
  const rows = entries.map((e) => [e.name, e.url, Object.entries(e.metadata).map(([k, v]) => `${k}=${v}`).join(' ')]);
  const width = [0, 1].map((i) => Math.max(0, ...rows.map((r) => r[i].length)));
  return rows.map((r) => `${r[0].padEnd(width[0])}  ${r[1].padEnd(width[1])}  ${r[2]}`.trimEnd() + '\n').join('');
}
