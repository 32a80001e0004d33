/**
 * `nameServer(url?)`: a typed client of a name server's wire methods over
 * one connection, opened on the first call and opened again on the next
 * call after it closed.
 *
 * Entries registered without a `ttl` belong to this client's connection:
 * they disappear when it closes (`close()`, or the process dying).
 */
import { ConnectError } from '../errors';
import { connect } from '../net/connect';
import type { ConnectOptions } from '../net/options';
import type { JsonRpc } from '../peer/json-rpc';
import { DEFAULT_NS_URL } from './server';
import type { NameEntry } from './store';

/** Options of {@link NameServerClient.register}. */
export interface RegisterEntryOptions {
  /** Free-form string labels that `list` can filter on. */
  metadata?: Record<string, string>;
  /** ms the entry lives without a fresh `register`; it then outlives this connection. Default: as long as this connection. */
  ttl?: number;
}

/** Options of {@link NameServerClient.list}. */
export interface ListNamesOptions {
  /** Only names starting with this. */
  prefix?: string;
  /** Only entries carrying every one of these labels. */
  metadata?: Record<string, string>;
}

/** Options of {@link nameServer}: how to reach the name server. */
export interface NameServerClientOptions extends Pick<ConnectOptions, 'logger' | 'tls'> {
  /** ms to wait for the connection and for each answer. Default 10000. */
  timeout?: number;
}

/** A client of one name server. Make it with {@link nameServer}. */
export class NameServerClient {
  private peer: Promise<JsonRpc> | undefined;
  private readonly timeout: number;

  /** @param url the name server's URL, e.g. `tcp://127.0.0.1:9090`. */
  constructor(
    readonly url: string,
    private readonly options: NameServerClientOptions = {},
  ) {
    this.timeout = options.timeout ?? 10_000;
  }

  /** Registers `url` under `name`; resolves `true`. */
  register(name: string, url: string, options: RegisterEntryOptions = {}): Promise<true> {
    return this.call('ns.register', { name, url, ...options }) as Promise<true>;
  }

  /** Removes the entries under `name` (only `url` when given); resolves to how many were removed. */
  unregister(name: string, url?: string): Promise<number> {
    return this.call('ns.unregister', url === undefined ? { name } : { name, url }) as Promise<number>;
  }

  /** One URL registered under `name`, round-robin; rejects with a `PeerError` of code `-32004` for an unknown name. */
  lookup(name: string): Promise<string> {
    return this.call('ns.lookup', { name }) as Promise<string>;
  }

  /** The entries, filtered by name prefix and metadata. */
  list(options: ListNamesOptions = {}): Promise<NameEntry[]> {
    return this.call('ns.list', { ...options }) as Promise<NameEntry[]>;
  }

  /** Resolves `'pong'` when the name server answers. */
  ping(): Promise<string> {
    return this.call('ns.ping') as Promise<string>;
  }

  /** Closes the connection (entries registered without a ttl go with it). Safe to call twice. */
  async close(): Promise<void> {
    const peer = this.peer;
    this.peer = undefined;
    if (!peer) return;
    const rpc = await peer.catch(() => undefined);
    if (rpc) {
      rpc.close();
      await rpc.join(this.timeout);
    }
  }

  private async call(method: string, params?: Record<string, unknown>): Promise<unknown> {
    const rpc = await this.connection();
    return rpc.sendRequest(method, params, { timeout: this.timeout });
  }

  private connection(): Promise<JsonRpc> {
    if (!this.peer) {
      const opening = connect(this.url, null, {
        protocol: 'json',
        connectTimeout: this.timeout,
        ...(this.options.logger && { logger: this.options.logger }),
        ...(this.options.tls && { tls: this.options.tls }),
      }).catch((err: unknown) => {
        if (this.peer === opening) this.peer = undefined;
        const e = err as ConnectError;
        throw err instanceof ConnectError ? new ConnectError(this.url, e.code, `name server ${this.url}: ${e.message}`, { cause: err }) : err;
      });
      this.peer = opening;
      void opening.then(
        (rpc) => rpc.on('close', () => {
          if (this.peer === opening) this.peer = undefined;
        }),
        () => undefined,
      );
    }
    return this.peer;
  }
}

/**
 * A typed client of the name server at `url` (default
 * `tcp://127.0.0.1:9090`). It connects on the first call.
 *
 * ```ts
 * const ns = nameServer('tcp://127.0.0.1:9090');
 * await ns.register('example.warehouse', server.url, { ttl: 30_000 });
 * console.log(await ns.lookup('example.warehouse'));
 * await ns.close();
 * ```
 */
export function nameServer(url: string = DEFAULT_NS_URL, options: NameServerClientOptions = {}): NameServerClient {
  return new NameServerClient(url, options);
}
