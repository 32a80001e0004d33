/**
 * A {@link NameStore} in Redis, through `ioredis` (an optional peer
 * dependency, loaded only when a `redis://` store is asked for), so that
 * several name servers share one registry.
 *
 * Layout, under a key prefix (default `bsonrpc:ns:`):
 * - `names`: a sorted set of every name (score 0), for prefix scans by
 *   `ZRANGEBYLEX`;
 * - `name:<name>`: a hash from URL to `{ metadata, owner?, expiresAt?, since }`;
 * - `owner:<owner>`: a set of `[name, url]` pairs a connection owns.
 *
 * Leases lapse by `expiresAt` (the name servers' clocks, which on one
 * machine agree) and are deleted lazily when read. When Redis is down,
 * every call fails at once with an error naming the store (no offline
 * queue), and the client keeps reconnecting in the background.
 */
import { ServerError } from '../errors';
import type { NameEntry, NameLease, NameStore } from './store';

/** The few ioredis calls used here, so no ioredis type reaches the package's declarations. */
interface RedisClient {
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hset(key: string, field: string, value: string): Promise<number>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  hlen(key: string): Promise<number>;
  del(key: string): Promise<number>;
  zadd(key: string, score: number, member: string): Promise<number | string>;
  zrem(key: string, member: string): Promise<number>;
  zcard(key: string): Promise<number>;
  zrangebylex(key: string, min: string, max: string): Promise<string[]>;
  sadd(key: string, member: string): Promise<number>;
  smembers(key: string): Promise<string[]>;
}

interface Stored {
  metadata: Record<string, string>;
  owner?: string;
  expiresAt?: number;
  /** When the entry was first registered: the order of round-robin. */
  since: number;
}

/** Options of {@link RedisNameStore.connect}. */
export interface RedisNameStoreOptions {
  /** Prefix of every key. Default `bsonrpc:ns:`. */
  keyPrefix?: string;
  /** ms to wait for the first connection. Default 5000. */
  connectTimeout?: number;
}

/**
 * The Redis store. Make it with `await RedisNameStore.connect('redis://127.0.0.1:6379')`,
 * or pass the URL as `startNameServer`'s `store` option.
 */
export class RedisNameStore implements NameStore {
  private closed = false;

  private constructor(
    private readonly redis: RedisClient,
    /** The Redis URL, for error messages. */
    readonly url: string,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Connects to Redis at `url` (`redis://host:port[/db]`); rejects with an error naming it when it cannot. */
  static async connect(url: string, options: RedisNameStoreOptions = {}): Promise<RedisNameStore> {
    let Redis: new (url: string, options: object) => RedisClient;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require('ioredis') as { default?: typeof Redis } & typeof Redis;
      Redis = mod.default ?? mod;
    } catch {
      throw new Error(`a redis:// name store needs the ioredis package: npm install ioredis`);
    }
    const redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false, // Redis down: fail now with a clear error, do not queue
      maxRetriesPerRequest: 1,
      connectTimeout: options.connectTimeout ?? 5000,
      retryStrategy: (times: number) => Math.min(times * 100, 2000), // keep reconnecting in the background
    });
    redis.on('error', () => {
      // Reported through the calls that fail; ioredis keeps reconnecting.
    });
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw new Error(`name store ${url}: cannot connect to Redis: ${(err as Error).message}`, { cause: err });
    }
    return new RedisNameStore(redis, url, options.keyPrefix ?? 'bsonrpc:ns:');
  }

  register(entry: NameEntry, lease: NameLease): Promise<void> {
    return this.guard(async () => {
      const key = this.nameKey(entry.name);
      const old = parse(await this.redis.hget(key, entry.url));
      const stored: Stored = { metadata: entry.metadata, since: old && this.alive(old) ? old.since : this.now() };
      if (lease.owner !== undefined) stored.owner = lease.owner;
      if (lease.expiresAt !== undefined) stored.expiresAt = lease.expiresAt;
      await this.redis.hset(key, entry.url, JSON.stringify(stored));
      await this.redis.zadd(this.k('names'), 0, entry.name);
      if (lease.owner !== undefined) await this.redis.sadd(this.k(`owner:${lease.owner}`), JSON.stringify([entry.name, entry.url]));
    });
  }

  unregister(name: string, url?: string): Promise<number> {
    return this.guard(async () => {
      const key = this.nameKey(name);
      const all = await this.redis.hgetall(key);
      const urls = url === undefined ? Object.keys(all) : url in all ? [url] : [];
      const live = urls.filter((u) => this.alive(parse(all[u]))).length;
      if (urls.length) await this.redis.hdel(key, ...urls);
      await this.forgetIfEmpty(name);
      return live;
    });
  }

  urls(name: string): Promise<string[]> {
    return this.guard(async () => (await this.entriesOf(name)).map((e) => e.url));
  }

  list(prefix: string): Promise<NameEntry[]> {
    return this.guard(async () => {
      const min = prefix === '' ? '-' : `[${prefix}`;
      const max = prefix === '' ? '+' : `[${prefix}\xff`;
      const names = await this.redis.zrangebylex(this.k('names'), min, max);
      const out: NameEntry[] = [];
      for (const name of names) {
        const entries = await this.entriesOf(name);
        out.push(...entries.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0)));
      }
      return out;
    });
  }

  dropOwner(owner: string): Promise<number> {
    return this.guard(async () => {
      const setKey = this.k(`owner:${owner}`);
      let n = 0;
      for (const member of await this.redis.smembers(setKey)) {
        const [name, url] = JSON.parse(member) as [string, string];
        const stored = parse(await this.redis.hget(this.nameKey(name), url));
        // Only if still ours: another connection (or a lease) may have registered it since.
        if (stored && stored.owner === owner) {
          n += await this.redis.hdel(this.nameKey(name), url);
          await this.forgetIfEmpty(name);
        }
      }
      await this.redis.del(setKey);
      return n;
    });
  }

  /** The number of names (not entries) in the registry: what `maxEntries` bounds with this store. */
  size(): Promise<number> {
    return this.guard(() => this.redis.zcard(this.k('names')));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // quit() waits for Redis; when it is down, drop the connection (and the reconnect loop) at once.
    await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  private async entriesOf(name: string): Promise<NameEntry[]> {
    const key = this.nameKey(name);
    const all = await this.redis.hgetall(key);
    const live: [Stored, string][] = [];
    const lapsed: string[] = [];
    for (const [url, text] of Object.entries(all)) {
      const s = parse(text);
      if (s && this.alive(s)) live.push([s, url]);
      else lapsed.push(url);
    }
    if (lapsed.length) {
      await this.redis.hdel(key, ...lapsed);
      await this.forgetIfEmpty(name);
    }
    return live.sort(([a], [b]) => a.since - b.since).map(([s, url]) => ({ name, url, metadata: s.metadata }));
  }

  private async forgetIfEmpty(name: string): Promise<void> {
    if ((await this.redis.hlen(this.nameKey(name))) === 0) await this.redis.zrem(this.k('names'), name);
  }

  private alive(s: Stored | undefined): boolean {
    return s !== undefined && (s.expiresAt === undefined || s.expiresAt > this.now());
  }

  private k(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  private nameKey(name: string): string {
    return this.k(`name:${name}`);
  }

  /** Runs `op`; a Redis failure becomes a `-32000` answer whose message names the store. */
  private async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw new ServerError(`name store ${this.url} is unavailable: ${(err as Error).message}`);
    }
  }
}

function parse(text: string | null | undefined): Stored | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Stored;
  } catch {
    return undefined;
  }
}
