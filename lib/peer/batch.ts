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

/**
 * Collects the calls of one batch. Use it directly (builder form) or let
 * `batchCall(b => …)` hand you a proxy over one (callback form):
 *
 * ```ts
 * const batch = new BatchBuilder().request('add', [1, 2]).notification('log', ['x']);
 * const [sum] = await rpc.batchCall(batch);
 * ```
 */
export class BatchBuilder {
  /** The calls, in order. @internal */
  readonly items: BatchItem[] = [];

  /** Adds a request; its result takes the next slot of the batch's results. */
  request(method: string, params?: Params): this {
    this.items.push({ kind: 'request', method, params });
    return this;
  }

  /** Adds a notification (no slot in the results). */
  notification(method: string, params?: Params): this {
    this.items.push({ kind: 'notification', method, params });
    return this;
  }
}

/**
 * What the callback form of `batchCall` receives: `b.m(...)` adds a request,
 * `b.n.m(...)` a notification.
 */
export type BatchProxy = { readonly n: Record<string, (...args: unknown[]) => void> } & Record<string, (...args: unknown[]) => void>;

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
