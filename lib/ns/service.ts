/**
 * The name server's wire methods (`ns.register`, `ns.unregister`,
 * `ns.lookup`, `ns.list`, `ns.ping`) as an ordinary decorated service
 * class, one instance per connection so that each knows which connection
 * owns what it registers.
 *
 * Owns the checks of what arrives from the wire (every bad value is
 * `-32602` naming the parameter, before anything reaches the store) and
 * round-robin among several URLs under one name. Does not own the table
 * (lib/ns/store.ts) or the listening socket (lib/ns/server.ts).
 */
import { InvalidParams, PeerError, ServerOverloaded } from '../errors';
import { request, serviceClass } from '../service/decorators';
import { parseRpcUrl } from '../net/url';
import type { NameEntry, NameStore } from './store';

/** The error code of `ns.lookup` for a name nobody registered: `-32004`, with message `unknown name <name>`. */
export const UNKNOWN_NAME = -32004;

/** The error code of `ns.register` when the name server holds `maxEntries` already: `-32005`, the code of `ServerOverloaded`. */
export const NAME_SERVER_FULL = -32005;

/** Limits on what one registration may carry; the defaults of {@link NameServerOptions}. @internal */
export const NS_LIMITS = {
  maxNameLength: 256,
  maxUrlLength: 2048,
  maxMetadataKeys: 32,
  maxMetadataLength: 1024,
  maxTtl: 24 * 3600 * 1000,
  maxEntries: 100_000,
};

/** The shared state of one name server: the store, the round-robin counters, the limits. @internal */
export class NameRegistry {
  private readonly turns = new Map<string, number>();

  constructor(
    readonly store: NameStore,
    readonly limits: typeof NS_LIMITS,
  ) {}

  /** The next URL under `name`, round-robin. */
  async next(name: string): Promise<string> {
    const urls = await this.store.urls(name);
    if (urls.length === 0) {
      this.turns.delete(name);
      throw new PeerError(UNKNOWN_NAME, `unknown name ${name}`);
    }
    const turn = this.turns.get(name) ?? 0;
    // Bounded: one counter per name that was looked up and still exists; cleared wholesale past the entry limit.
    if (this.turns.size > this.limits.maxEntries) this.turns.clear();
    this.turns.set(name, (turn + 1) % urls.length);
    return urls[turn % urls.length];
  }
}

function checkName(value: unknown, max: number, param = 'name'): string {
  if (typeof value !== 'string') throw new InvalidParams(`${param} must be a string, got ${kindOf(value)}`, { param });
  if (value.length === 0) throw new InvalidParams(`${param} must not be empty`, { param });
  if (value.length > max) throw new InvalidParams(`${param} is longer than ${max} characters`, { param, length: value.length });
  return value;
}

function checkUrl(value: unknown, max: number): string {
  if (typeof value !== 'string') throw new InvalidParams(`url must be a string, got ${kindOf(value)}`, { param: 'url' });
  if (value.length > max) throw new InvalidParams(`url is longer than ${max} characters`, { param: 'url', length: value.length });
  try {
    parseRpcUrl(value);
  } catch (err) {
    throw new InvalidParams((err as Error).message, { param: 'url' });
  }
  return value;
}

function checkMetadata(value: unknown, limits: typeof NS_LIMITS): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidParams(`metadata must be an object of strings, got ${kindOf(value)}`, { param: 'metadata' });
  }
  const entries = Object.entries(value as object);
  if (entries.length > limits.maxMetadataKeys) {
    throw new InvalidParams(`metadata has more than ${limits.maxMetadataKeys} keys`, { param: 'metadata' });
  }
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (typeof v !== 'string') throw new InvalidParams(`metadata.${k} must be a string, got ${kindOf(v)}`, { param: 'metadata' });
    if (k.length + v.length > limits.maxMetadataLength) {
      throw new InvalidParams(`metadata.${k} is longer than ${limits.maxMetadataLength} characters`, { param: 'metadata' });
    }
    out[k] = v;
  }
  return out;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/**
 * The wire methods, as one connection sees them. Parameters are typed
 * `unknown` on purpose: they arrive from any client in any language and are
 * checked here. Defaults mark the optional ones (named params may omit them).
 * @internal
 */
@serviceClass
export class NameService {
  constructor(
    private readonly registry: NameRegistry,
    /** The owner id of this connection's entries. */
    private readonly owner: string,
    private readonly now: () => number = Date.now,
  ) {}

  @request('ns.register')
  async register(name: unknown, url: unknown, metadata: unknown = undefined, ttl: unknown = undefined): Promise<true> {
    const { limits, store } = this.registry;
    const entry: NameEntry = { name: checkName(name, limits.maxNameLength), url: checkUrl(url, limits.maxUrlLength), metadata: checkMetadata(metadata, limits) };
    if (ttl !== undefined && ttl !== null && !(typeof ttl === 'number' && Number.isInteger(ttl) && ttl > 0 && ttl <= limits.maxTtl)) {
      throw new InvalidParams(`ttl must be a positive integer of ms up to ${limits.maxTtl}, got ${JSON.stringify(ttl) ?? kindOf(ttl)}`, { param: 'ttl' });
    }
    if ((await store.size()) >= limits.maxEntries && !(await store.urls(entry.name)).includes(entry.url)) {
      throw new ServerOverloaded(`name server full: ${limits.maxEntries} entries`); // code NAME_SERVER_FULL
    }
    const leased = typeof ttl === 'number';
    await store.register(entry, leased ? { expiresAt: this.now() + ttl } : { owner: this.owner });
    return true;
  }

  @request('ns.unregister')
  async unregister(name: unknown, url: unknown = undefined): Promise<number> {
    const { limits, store } = this.registry;
    const n = checkName(name, limits.maxNameLength);
    if (url !== undefined && url !== null && typeof url !== 'string') {
      throw new InvalidParams(`url must be a string, got ${kindOf(url)}`, { param: 'url' });
    }
    return store.unregister(n, (url ?? undefined) as string | undefined);
  }

  @request('ns.lookup')
  lookup(name: unknown): Promise<string> {
    return this.registry.next(checkName(name, this.registry.limits.maxNameLength));
  }

  @request('ns.list')
  async list(prefix: unknown = undefined, metadata: unknown = undefined): Promise<NameEntry[]> {
    const { limits, store } = this.registry;
    const p = prefix === undefined || prefix === null ? '' : prefix;
    if (typeof p !== 'string') throw new InvalidParams(`prefix must be a string, got ${kindOf(p)}`, { param: 'prefix' });
    const want = Object.entries(checkMetadata(metadata, limits));
    const all = await store.list(p);
    return want.length === 0 ? all : all.filter((e) => want.every(([k, v]) => e.metadata[k] === v));
  }

  @request('ns.ping')
  ping(): string {
    return 'pong';
  }
}
