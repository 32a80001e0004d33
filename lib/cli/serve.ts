/**
 * `bsonrpc serve FILE[:EXPORT] --listen URL [--register NAME] [--ns URL]`:
 * loads a module (`.ts` through ts-node, no build step), instantiates its
 * service class once, and serves that one object to every connection,
 * logging each connection on stderr, until SIGINT or SIGTERM.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_NS_URL, isServiceClass, listen } from '../index';
import type { ListenOptions, Server } from '../index';
import { CliIo, nsUrl, UsageError } from './report';

/** The options `serve` takes. */
export interface ServeFlags {
  /** `--listen URL`. */
  listen: string;
  /** `--register NAME`. */
  register?: string;
  /** `--ns URL`. */
  ns?: string;
  /** `--discover`: answer `rpc.discover` with the service's OpenRPC document. */
  discover?: boolean;
}

/** Splits `FILE[:EXPORT]`: the part after the last `:` is an export name when it is an identifier. */
export function splitTarget(target: string): { file: string; exportName: string | undefined } {
  const m = /^(.+):([A-Za-z_$][\w$]*)$/.exec(target);
  return m ? { file: m[1], exportName: m[2] } : { file: target, exportName: undefined };
}

/** Makes `require` understand `.ts` files (ts-node, transpile only) unless something already does. */
function registerTypeScript(): void {
  if ((process as unknown as Record<symbol, unknown>)[Symbol.for('ts-node.register.instance')] || require.extensions['.ts']) return;
  let tsNode: { register(options: object): unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    tsNode = require('ts-node') as typeof tsNode;
  } catch {
    throw new UsageError('serving a .ts file needs ts-node (npm install -D ts-node typescript), or compile it and serve the .js');
  }
  tsNode.register({ transpileOnly: true });
}

/** Loads the module and picks what to serve: EXPORT, else the default export, else the only service class. */
export function loadService(target: string, cwd: string): { service: object; label: string } {
  const { file, exportName } = splitTarget(target);
  const full = path.resolve(cwd, file);
  if (!fs.existsSync(full)) throw new UsageError(`serve: no such file: ${file}`);
  if (/\.[cm]?tsx?$/.test(full)) registerTypeScript();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(full) as Record<string, unknown>;
  let chosen: unknown;
  let label: string;
  if (exportName !== undefined) {
    if (!(exportName in mod)) throw new UsageError(`serve: ${file} has no export "${exportName}" (it exports: ${Object.keys(mod).join(', ') || 'nothing'})`);
    chosen = mod[exportName];
    label = exportName;
  } else if (mod.default !== undefined) {
    chosen = mod.default;
    label = 'default';
  } else {
    const classes = Object.entries(mod).filter(([, v]) => isServiceClass(v));
    if (classes.length !== 1) {
      const found = classes.length ? `several: ${classes.map(([k]) => k).join(', ')}` : 'none';
      throw new UsageError(`serve: ${file} must export one @serviceClass class (found ${found}); name one as ${file}:EXPORT`);
    }
    [label, chosen] = classes[0];
  }
  if (isServiceClass(chosen)) {
    return { service: new (chosen as new () => object)(), label: (chosen as { name?: string }).name || label };
  }
  if (typeof chosen === 'object' && chosen !== null) return { service: chosen, label };
  throw new UsageError(`serve: export "${label}" of ${file} is not a @serviceClass class or a service object`);
}

/** Runs `serve` until SIGINT/SIGTERM; resolves to the exit code. */
export async function runServe(target: string, flags: ServeFlags, io: CliIo, cwd = process.cwd()): Promise<number> {
  const { service, label } = loadService(target, cwd);
  const options: ListenOptions = {};
  const ns = nsUrl(flags.ns, io, DEFAULT_NS_URL);
  if (flags.register !== undefined) options.register = { name: flags.register, ns };
  if (flags.discover) options.discover = { title: label };
  const server: Server = await listen(flags.listen, () => service, options);
  server.on('connection', (_peer, info) => io.err(`connection ${info.connectionId} from ${info.remoteAddress || 'a local process'}${info.remotePort ? `:${info.remotePort}` : ''}\n`));
  server.on('disconnect', (_peer, info) => io.err(`disconnect ${info.connectionId}\n`));
  io.err(`serving ${label} on ${server.url}\n`);
  if (flags.register !== undefined) io.err(`registered as ${flags.register} with the name server ${ns}\n`);
  await untilSignal();
  io.err('shutting down\n');
  await server.close();
  return 0;
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done).off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done).on('SIGTERM', done);
  });
}
