/**
 * The bridge from the service layer to the router: finds a decorated
 * handler by wire name and binds it to its service object. Only the
 * decorated table is consulted, so nothing else on the object is reachable.
 *
 * Validation (service/validate.ts) is compiled here once per handler, at
 * resolve time: a handler with nothing to check gets the plain invoker.
 */
import { InternalError } from '../errors';
import type { RpcLogger } from '../logger';
import type { ReservedHandler } from '../protocol/router';
import type { ResolvedHandler } from '../protocol/call';
import { buildError, buildResult, RequestId } from '../protocol/messages';
import { DiscoverOptions, OpenRpcDocument, openRpcDocument } from '../service/openrpc';
import { bindParams, handlerTable, HandlerSpec, isServiceInstance } from '../service/registry';
import { compileValidation, CompiledValidation, FaultLog } from '../service/validate';

/** Unknown names are remembered only up to this many: a peer cannot grow the cache by spraying names. */
const MAX_CACHED_MISSES = 1024;

type Method = (...args: unknown[]) => unknown;

/** A validator's own failure is the service's bug: logged at error level on the call's connection. */
const logFault: FaultLog = (ctx, detail, message) => {
  const logger = (ctx as { peer?: { logger?: RpcLogger } } | undefined)?.peer?.logger;
  logger?.error(detail, message);
};

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as PromiseLike<unknown>).then === 'function';
}

/**
 * Waits for asynchronous validators, but no longer than the call lives: a
 * validator that never settles is given up when the call's signal aborts
 * (the connection closes, or the caller cancels), so it holds no slot forever.
 */
function untilAborted<T>(work: Promise<T>, ctx: unknown): Promise<T> {
  const signal = (ctx as { signal?: AbortSignal } | undefined)?.signal;
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (err) => (signal.removeEventListener('abort', onAbort), reject(err)),
    );
  });
}

/** The invoker of one handler: bind, validate (when there is anything to), call, validate the result. */
function makeInvoke(services: Record<string | symbol, Method>, spec: HandlerSpec, v: CompiledValidation | undefined): ResolvedHandler['invoke'] {
  const key = spec.propertyKey;
  if (v === undefined) {
    return spec.withContext
      ? (params, ctx) => services[key](ctx, ...bindParams(spec, params))
      : (params) => services[key](...bindParams(spec, params));
  }
  const { types, params: schemas, result } = v;
  const call = spec.withContext ? (args: unknown[], ctx: unknown) => services[key](ctx, ...args) : (args: unknown[]) => services[key](...args);
  const finish =
    result === undefined
      ? (value: unknown) => value
      : (value: unknown, ctx: unknown) => (isThenable(value) ? Promise.resolve(value).then((settled) => result(settled, ctx)) : result(value, ctx));
  return (params, ctx) => {
    let args = bindParams(spec, params);
    if (types !== undefined) types(args);
    if (schemas !== undefined) {
      const checked = schemas(args, ctx);
      if (!Array.isArray(checked)) return untilAborted(checked, ctx).then((a) => finish(call(a, ctx), ctx));
      args = checked;
    }
    return finish(call(args, ctx), ctx);
  };
}

/** The handlers of each services object, shared by every connection that serves it. */
const shared = new WeakMap<object, ServiceHandlers>();
let none: ServiceHandlers | undefined;

/**
 * A services object's view as handlers: wire name → ready-to-call handler.
 * Nothing in it belongs to one connection, so {@link ServiceHandlers.of}
 * gives every connection serving the same object the same instance: a
 * server whose factory returns one shared object resolves (and compiles
 * validation for) each method once, and an idle connection holds no table.
 */
export class ServiceHandlers {
  private readonly table: ReadonlyMap<string, HandlerSpec> | undefined;
  /** Made on the first lookup. */
  private resolved: Map<string, ResolvedHandler | null> | undefined = undefined;

  /** The shared handlers of `services` (made on first use). Throws as the constructor does. */
  static of(services: object | undefined | null): ServiceHandlers {
    if (services === undefined || services === null) return (none ??= new ServiceHandlers(undefined));
    let handlers = shared.get(services);
    if (handlers === undefined) {
      handlers = new ServiceHandlers(services);
      shared.set(services, handlers);
    }
    return handlers;
  }

  /** Throws `TypeError` unless `services` is nothing or an instance of a `@serviceClass` class. */
  constructor(private readonly services: object | undefined | null) {
    if (services !== undefined && services !== null && !isServiceInstance(services)) {
      throw new TypeError('services must be an instance of a @serviceClass class');
    }
    this.table = services ? handlerTable(services) : undefined;
  }

  /** The handler for a wire name, or undefined; invokers (with their validation) are made once per name. */
  resolve(method: string): ResolvedHandler | undefined {
    const resolved = (this.resolved ??= new Map());
    const cached = resolved.get(method);
    if (cached !== undefined) return cached ?? undefined;
    const spec = this.table?.get(method);
    const services = this.services as Record<string | symbol, Method>;
    const handler: ResolvedHandler | null = spec
      ? { kind: spec.kind, withContext: spec.withContext, invoke: makeInvoke(services, spec, compileValidation(spec, logFault)) }
      : null;
    if (handler || resolved.size < MAX_CACHED_MISSES) resolved.set(method, handler);
    return handler ?? undefined;
  }

  /**
   * The reserved handler of `rpc.discover`: answers a request with the
   * OpenRPC document of these services, made on first use (per connection:
   * each may have its own `discover` options). A notification to it gets
   * nothing.
   */
  discoverHandler(options: DiscoverOptions, versionKey: string): ReservedHandler {
    let document: OpenRpcDocument | undefined;
    return (kind, _params, id, reply) => {
      if (kind !== 'request') return reply(undefined);
      let doc: OpenRpcDocument;
      try {
        doc = document ??= openRpcDocument(this.services ?? undefined, options);
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        return reply(buildError(versionKey, id as RequestId | null, new InternalError(undefined, `rpc.discover failed: ${detail}`).toJSON()));
      }
      reply(buildResult(versionKey, id as RequestId | null, doc));
    };
  }
}
