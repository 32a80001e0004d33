/**
 * `listen(url, factory, { register: { name } })`: keeps a server's entry in
 * a name server for as long as the server runs.
 *
 * The entry is registered without a ttl, so it belongs to the keeper's
 * connection: when this process dies, the name server drops it the moment
 * the connection does. When the name server goes away (restart, network),
 * the keeper reconnects with backoff and registers again. `close()` of the
 * server unregisters first, then closes the server.
 */
import { ConnectError } from '../errors';
import { ConnectionLogger } from '../logger';
import { connect } from '../net/connect';
import type { JsonRpc } from '../peer/json-rpc';
import type { ListenOptions, Server } from '../server/types';
import { DEFAULT_NS_URL } from './server';

/** The `register` option of `listen`: put this server in a name server under `name`. */
export interface RegisterOptions {
  /** The logical name, e.g. `example.warehouse`. */
  name: string;
  /** The name server's URL. Default `tcp://127.0.0.1:9090`. */
  ns?: string;
  /** Free-form string labels, e.g. `{ region: 'eu' }`. */
  metadata?: Record<string, string>;
  /** The URL clients should use, when it differs from `server.url` (e.g. listening on 0.0.0.0). Default `server.url`. */
  url?: string;
}

/** Backoff of re-registration: first delay and cap, in ms. */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;
/** ms for each step with the name server (connect, register, unregister on close). */
const STEP_TIMEOUT_MS = 5000;

/** Keeps one registration alive. @internal */
class Keeper {
  private rpc: JsonRpc | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private delay = FIRST_RETRY_MS;
  readonly ns: string;

  constructor(
    private readonly entry: { name: string; url: string; metadata?: Record<string, string> },
    ns: string | undefined,
    private readonly log: ConnectionLogger,
  ) {
    this.ns = ns ?? DEFAULT_NS_URL;
  }

  /** Connects and registers once; rejects with a `ConnectError` naming the name server. */
  async register(): Promise<void> {
    const rpc = await connect(this.ns, null, { protocol: 'json', connectTimeout: STEP_TIMEOUT_MS });
    try {
      await rpc.sendRequest('ns.register', { ...this.entry }, { timeout: STEP_TIMEOUT_MS });
    } catch (err) {
      rpc.close();
      throw err;
    }
    if (this.stopped) return void rpc.close();
    this.rpc = rpc;
    this.delay = FIRST_RETRY_MS;
    rpc.on('close', () => {
      if (this.rpc === rpc) this.rpc = undefined;
      if (!this.stopped) {
        this.log.warn({ ns: this.ns, entry: this.entry.name }, 'lost the name server; registering again');
        this.retry();
      }
    });
  }

  private retry(): void {
    if (this.stopped || this.timer) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, MAX_RETRY_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.register().then(
        () => this.log.info({ ns: this.ns, entry: this.entry.name, url: this.entry.url }, 'registered again'),
        () => this.retry(),
      );
    }, wait);
    this.timer.unref();
  }

  /** Unregisters (best effort) and stops retrying. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const rpc = this.rpc;
    this.rpc = undefined;
    if (!rpc) return;
    try {
      await rpc.sendRequest('ns.unregister', { name: this.entry.name, url: this.entry.url }, { timeout: STEP_TIMEOUT_MS });
    } catch {
      // The name server is gone: the entry went with our connection anyway.
    }
    rpc.close();
  }
}

/**
 * Registers `server` as asked by `options.register` and makes its
 * `close()` unregister first. Rejects (after closing the server) with a
 * `ConnectError` naming the name server when the first registration
 * fails. @internal
 */
export async function registerServer(server: Server, register: RegisterOptions, options: ListenOptions): Promise<Server> {
  if (typeof register !== 'object' || register === null || typeof register.name !== 'string' || register.name === '') {
    await server.close();
    throw new TypeError('option register must be { name: string, ns?: string, metadata?: object, url?: string }');
  }
  const entry = { name: register.name, url: register.url ?? server.url, ...(register.metadata && { metadata: register.metadata }) };
  const keeper = new Keeper(entry, register.ns, new ConnectionLogger(options.logger, 'ns'));
  try {
    await keeper.register();
  } catch (err) {
    await server.close();
    const e = err as Error & { code?: string };
    const why = e instanceof ConnectError ? e.message : `${e.name}: ${e.message}`;
    throw new ConnectError(keeper.ns, e.code, `cannot register "${entry.name}" with the name server ${keeper.ns}: ${why}`, { cause: err });
  }
  const close = server.close.bind(server);
  let closing: Promise<boolean> | undefined;
  server.close = (closeOptions) => (closing ??= keeper.stop().then(() => close(closeOptions)));
  return server;
}
