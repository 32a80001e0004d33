/**
 * The peer proxy: `proxy.method(...)` sends a request, `proxy.n.method(...)`
 * a notification. With explicit name lists, calls are routed by list, as
 * Python bsonrpc's `get_peer_proxy(requests, notifications)` does.
 *
 * `then` and symbol keys read as `undefined`, so `await proxy`, template
 * literals and `util.inspect` never turn into remote calls (birpc's rule).
 */
import type { Params } from '../protocol/messages';

/** Per-call options of `sendRequest`. */
export interface CallOptions {
  /** ms to wait for the response; overrides the peer's `timeout` option. */
  timeout?: number;
  /** Rejects the call with the signal's reason when it aborts (a late response is then dropped). */
  signal?: AbortSignal;
}

/** Options of `getPeerProxy`. */
export interface ProxyOptions {
  /** Names the proxy sends as requests; with either list given, other names are not callable. */
  requests?: string[];
  /** Names the proxy sends as notifications. */
  notifications?: string[];
  /** ms each request through this proxy waits; overrides the peer's `timeout` option. */
  timeout?: number;
}

/** Anything that can call the other side: a peer or a handler's `RpcContext`. */
export interface Caller {
  /** Sends a request with positional params. */
  invokeRequest(method: string, ...args: unknown[]): Promise<unknown>;
  /** Sends a notification with positional params. */
  invokeNotification(method: string, ...args: unknown[]): void;
  /** Sends a request with params an array (positional) or a plain object (named). */
  sendRequest(method: string, params?: Params, options?: CallOptions): Promise<unknown>;
  /** Sends a notification with params an array or a plain object. */
  sendNotification(method: string, params?: Params): void;
  /** A proxy whose methods call the other side. */
  getPeerProxy<T = any>(options?: ProxyOptions): PeerProxy<T>;
}

type AnyFn = (...args: any[]) => any;
/** Drops a leading `RpcContext`-like parameter so `@rpcRequest` handlers type as the caller sees them. */
type CallerArgs<A extends unknown[]> = A extends [{ readonly clientInfo: unknown; abort(): void }, ...infer Rest] ? Rest : A;

/** The request side of a typed proxy: each method returns a promise of its result. */
export type RequestProxy<T> = {
  [K in keyof T as T[K] extends AnyFn ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: CallerArgs<A>) => Promise<Awaited<R>>
    : never;
};

/** The notification side of a typed proxy: each method returns nothing. */
export type NotificationProxy<T> = {
  [K in keyof T as T[K] extends AnyFn ? K : never]: T[K] extends (...args: infer A) => any ? (...args: CallerArgs<A>) => void : never;
};

/**
 * A proxy typed after the other side's service class `T` (or untyped with
 * the default `any`): `proxy.m()` is a request, `proxy.n.m()` a notification.
 */
export type PeerProxy<T = any> = [unknown] extends [T] ? any : RequestProxy<T> & { readonly n: NotificationProxy<T> };

/**
 * Keys the runtime itself reads (await, JSON.stringify, string conversion):
 * never remote calls. `toString`/`valueOf` answer locally so a template
 * literal or a log line over a proxy sends nothing.
 */
const LOCAL: Record<string, unknown> = {
  then: undefined,
  toJSON: undefined,
  toString: () => '[object PeerProxy]',
  valueOf: undefined,
};

// Callers test `typeof key === 'symbol' || isLocal(key)` themselves: a
// type predicate here would claim that `then` is a symbol.
function isLocal(key: string): boolean {
  return Object.prototype.hasOwnProperty.call(LOCAL, key);
}

function local(key: string | symbol): unknown {
  return typeof key === 'symbol' ? undefined : LOCAL[key];
}

/** Builds a notification-only proxy (`proxy.n`), limited to `allowed` when given. @internal */
function notificationProxy(caller: Caller, allowed?: Set<string>): object {
  return new Proxy(Object.create(null), {
    get: (_t, key) => {
      if (typeof key === 'symbol' || isLocal(key)) return local(key);
      if (allowed && !allowed.has(key)) return notListed(key);
      return (...args: unknown[]) => caller.invokeNotification(key, ...args);
    },
  });
}

function notListed(key: string): () => never {
  return () => {
    throw new TypeError(`"${key}" is in neither the requests nor the notifications list of this peer proxy`);
  };
}

/** Builds the proxy `getPeerProxy` returns. @internal */
export function createPeerProxy(caller: Caller, options: ProxyOptions | undefined, toParams: (args: unknown[]) => Params | undefined): any {
  const { requests, notifications, timeout } = options ?? {};
  const request = (method: string) => (...args: unknown[]) =>
    timeout === undefined ? caller.invokeRequest(method, ...args) : caller.sendRequest(method, toParams(args), { timeout });
  const notify = (method: string) => (...args: unknown[]) => caller.invokeNotification(method, ...args);
  if (!requests && !notifications) {
    const n = notificationProxy(caller);
    return new Proxy(Object.create(null), {
      get: (_t, key) => (typeof key === 'symbol' || isLocal(key) ? local(key) : key === 'n' ? n : request(key)),
    });
  }
  const reqs = new Set(requests ?? []);
  const notes = new Set(notifications ?? []);
  const n = notificationProxy(caller, notes);
  return new Proxy(Object.create(null), {
    get: (_t, key) => {
      if (typeof key === 'symbol' || isLocal(key)) return local(key);
      if (reqs.has(key)) return request(key);
      if (notes.has(key)) return notify(key);
      if (key === 'n') return n;
      return notListed(key);
    },
    has: (_t, key) => typeof key === 'string' && (reqs.has(key) || notes.has(key)),
  });
}

