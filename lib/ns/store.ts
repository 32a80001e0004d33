/**
 * Where a name server keeps its entries: the {@link NameStore} interface
 * and the in-memory default, {@link MemoryNameStore}.
 *
 * A store owns the entries and their leases (who owns an entry, when it
 * expires); it does not validate what it is given (lib/ns/service.ts does,
 * before anything reaches a store) and does not choose among several URLs
 * under one name (round-robin is the name server's, so a store stays a
 * plain table that another process, e.g. Redis, can hold).
 */

/** One registration: a logical name, the bsonrpc URL serving it, and free-form string metadata. */
export interface NameEntry {
  /** The logical name, e.g. `example.warehouse`. */
  name: string;
  /** Where the server listens, e.g. `tcp://127.0.0.1:41234`. */
  url: string;
  /** Free-form labels, e.g. `{ region: 'eu' }`; `{}` when none. */
  metadata: Record<string, string>;
}

/** How long an entry lives. */
export interface NameLease {
  /**
   * The connection that registered it: the entry is dropped by
   * {@link NameStore.dropOwner} when that connection closes. Undefined
   * for an entry with a `ttl`, which outlives its connection.
   */
  owner?: string;
  /** ms since the epoch after which the entry is gone unless registered again. Undefined: no expiry. */
  expiresAt?: number;
}

/**
 * The table behind a name server. Every method may be async, so a store
 * can live in another process; a rejected promise becomes an error answer
 * to the caller (the name server keeps running).
 *
 * Registering the same `name` and `url` again replaces the metadata and
 * the lease (that is how a lease is renewed).
 */
export interface NameStore {
  /** Adds or replaces the entry for `entry.name` and `entry.url`. */
  register(entry: NameEntry, lease: NameLease): Promise<void> | void;
  /** Removes the entries under `name` (only the one with `url` when given); resolves to how many were removed. */
  unregister(name: string, url?: string): Promise<number> | number;
  /** The live URLs under `name`, oldest registration first; `[]` for an unknown name. */
  urls(name: string): Promise<string[]> | string[];
  /** Every live entry whose name starts with `prefix` (all when `''`), sorted by name, then URL. */
  list(prefix: string): Promise<NameEntry[]> | NameEntry[];
  /** Removes every entry owned by `owner` (a closed connection); resolves to how many. */
  dropOwner(owner: string): Promise<number> | number;
  /** Number of live entries (for limits). */
  size(): Promise<number> | number;
  /** Frees what the store holds (timers, connections). Safe to call twice. */
  close(): Promise<void> | void;
}

interface Slot {
  entry: NameEntry;
  owner: string | undefined;
  expiresAt: number | undefined;
}

/** How often the memory store drops lapsed leases, in ms (they are also filtered out on every read). */
const SWEEP_MS = 1000;

/**
 * The default store: a table in this process. Entries with a lease are
 * filtered out as soon as it lapses and swept from memory once a second,
 * so a server that stopped renewing costs nothing for long.
 */
export class MemoryNameStore implements NameStore {
  private readonly byName = new Map<string, Map<string, Slot>>();
  private readonly byOwner = new Map<string, Set<Slot>>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  /** @param now the clock, in ms (tests pass a fake one). */
  constructor(private readonly now: () => number = Date.now) {}

  register(entry: NameEntry, lease: NameLease): void {
    let urls = this.byName.get(entry.name);
    if (!urls) this.byName.set(entry.name, (urls = new Map()));
    const old = urls.get(entry.url);
    if (old) {
      this.disown(old);
    } else {
      this.count++;
    }
    const slot: Slot = { entry: { ...entry, metadata: { ...entry.metadata } }, owner: lease.owner, expiresAt: lease.expiresAt };
    // A renewal keeps the entry's place in the Map's insertion order (round-robin order stays stable).
    urls.set(entry.url, slot);
    if (slot.owner !== undefined) {
      let owned = this.byOwner.get(slot.owner);
      if (!owned) this.byOwner.set(slot.owner, (owned = new Set()));
      owned.add(slot);
    }
    if (slot.expiresAt !== undefined && !this.timer) {
      this.timer = setInterval(() => this.sweep(), SWEEP_MS);
      this.timer.unref();
    }
  }

  unregister(name: string, url?: string): number {
    const urls = this.byName.get(name);
    if (!urls) return 0;
    const slots = url === undefined ? [...urls.values()] : urls.has(url) ? [urls.get(url) as Slot] : [];
    const now = this.now();
    const live = slots.filter((s) => this.alive(s, now)).length;
    for (const slot of slots) this.remove(slot);
    return live;
  }

  urls(name: string): string[] {
    const urls = this.byName.get(name);
    if (!urls) return [];
    const now = this.now();
    return [...urls.values()].filter((s) => this.alive(s, now)).map((s) => s.entry.url);
  }

  list(prefix: string): NameEntry[] {
    const now = this.now();
    const out: NameEntry[] = [];
    for (const [name, urls] of this.byName) {
      if (!name.startsWith(prefix)) continue;
      for (const slot of urls.values()) {
        if (this.alive(slot, now)) out.push({ ...slot.entry, metadata: { ...slot.entry.metadata } });
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  dropOwner(owner: string): number {
    const owned = this.byOwner.get(owner);
    if (!owned) return 0;
    let n = 0;
    for (const slot of [...owned]) {
      this.remove(slot);
      n++;
    }
    this.byOwner.delete(owner);
    return n;
  }

  size(): number {
    return this.count;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Drops every lapsed lease from memory. */
  sweep(): void {
    const now = this.now();
    let leased = 0;
    for (const urls of this.byName.values()) {
      for (const slot of [...urls.values()]) {
        if (!this.alive(slot, now)) this.remove(slot);
        else if (slot.expiresAt !== undefined) leased++;
      }
    }
    if (leased === 0) this.close();
  }

  private alive(slot: Slot, now: number): boolean {
    return slot.expiresAt === undefined || slot.expiresAt > now;
  }

  private remove(slot: Slot): void {
    const urls = this.byName.get(slot.entry.name);
    if (!urls || urls.get(slot.entry.url) !== slot) return;
    urls.delete(slot.entry.url);
    if (urls.size === 0) this.byName.delete(slot.entry.name);
    this.disown(slot);
    this.count--;
  }

  private disown(slot: Slot): void {
    if (slot.owner === undefined) return;
    const owned = this.byOwner.get(slot.owner);
    owned?.delete(slot);
    if (owned && owned.size === 0) this.byOwner.delete(slot.owner);
  }
}
