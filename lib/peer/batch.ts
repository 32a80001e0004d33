/**
 * Building a JSON-RPC batch: a list of requests and notifications sent as
 * one array, answered as one array.
 */
import type { Params } from '../protocol/messages';

/** One entry of a batch. @internal */
export interface BatchItem {
  kind: 'request' | 'notification';
  method: string;
  params: Params | undefined;
}

type AnyFn = (...args: any[]) => any;
/** True when `T` is `any` (an untyped builder or proxy). */
type IsAny<T> = 0 extends 1 & T ? true : false;
/** Drops a leading `RpcContext`-like parameter, as typed peer proxies do. */
type WithoutContext<A extends unknown[]> = A extends [{ readonly clientInfo: unknown; abort(): void }, ...infer Rest] ? Rest : A;

/** The method names of the other side's service `T` (any string when `T` is `any`). */
export type BatchMethod<T> =
  IsAny<T> extends true ? string : Extract<{ [K in keyof T]: T[K] extends AnyFn ? K : never }[keyof T], string>;

/**
 * The params `T`'s method `K` takes: its parameters (the `RpcContext` of an
 * `@rpc*` handler dropped) as a positional array, or a named-params object.
 * Anything, when `T` is `any`.
 */
export type BatchParams<T, K> =
  IsAny<T> extends true
    ? Params
    : K extends keyof T
      ? T[K] extends (...args: infer A) => any
        ? WithoutContext<A> | Record<string, unknown>
        : never
      : never;

/**
 * Collects the calls of one batch. Use it directly (builder form) or let
 * `batchCall(b => …)` hand you a proxy over one (callback form):
 *
 * ```ts
 * const batch = new BatchBuilder<ServerServices>().request('add', [1, 2]).notification('log', ['x']);
 * const [sum] = await rpc.batchCall(batch);
 * ```
 *
 * With the other side's service type `T`, method names and positional
 * params are checked at compile time; without it, anything goes.
 */
export class BatchBuilder<T = any> {
  /** The calls, in order. @internal */
  readonly items: BatchItem[] = [];

  /** Adds a request; its result takes the next slot of the batch's results. */
  request<K extends BatchMethod<T>>(method: K, params?: BatchParams<T, K>): this {
    this.items.push({ kind: 'request', method, params: params as Params | undefined });
    return this;
  }

  /** Adds a notification (no slot in the results). */
  notification<K extends BatchMethod<T>>(method: K, params?: BatchParams<T, K>): this {
    this.items.push({ kind: 'notification', method, params: params as Params | undefined });
    return this;
  }
}

/** One typed batch call: records a call with `T[K]`'s parameters (context dropped). */
type BatchCall<T, K> = K extends keyof T ? (T[K] extends (...args: infer A) => any ? (...args: WithoutContext<A>) => void : never) : never;

/**
 * What the callback form of `batchCall` receives: `b.m(...)` adds a request,
 * `b.n.m(...)` a notification. `BatchProxy<ServerServices>` checks names and
 * arguments against the other side's service class; plain `BatchProxy`
 * takes anything.
 */
export type BatchProxy<T = any> =
  IsAny<T> extends true
    ? { readonly n: Record<string, (...args: unknown[]) => void> } & Record<string, (...args: unknown[]) => void>
    : { readonly n: { [K in BatchMethod<T>]: BatchCall<T, K> } } & { [K in BatchMethod<T>]: BatchCall<T, K> };

/** A proxy that records calls into `builder`. @internal */
export function batchProxy(builder: BatchBuilder, argsToParams: (args: unknown[]) => Params | undefined): BatchProxy {
  const inert = (key: string | symbol): key is symbol => typeof key === 'symbol' || key === 'then';
  const n = new Proxy(Object.create(null), {
    get: (_t, key) => (inert(key) ? undefined : (...args: unknown[]) => void builder.notification(key, argsToParams(args))),
  });
  return new Proxy(Object.create(null), {
    get: (_t, key) =>
      inert(key) ? undefined : key === 'n' ? n : (...args: unknown[]) => void builder.request(key, argsToParams(args)),
  });
}
