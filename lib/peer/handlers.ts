/**
 * The bridge from the service layer to the router: finds a decorated
 * handler by wire name and binds it to its service object. Only the
 * decorated table is consulted, so nothing else on the object is reachable.
 */
import type { ResolvedHandler } from '../protocol/call';
import { bindParams, handlerTable, HandlerSpec, isServiceInstance } from '../service/registry';

/** Unknown names are remembered only up to this many: a peer cannot grow the cache by spraying names. */
const MAX_CACHED_MISSES = 1024;

/** One connection's view of its services: wire name → ready-to-call handler. */
export class ServiceHandlers {
  private readonly table: ReadonlyMap<string, HandlerSpec> | undefined;
  private readonly resolved = new Map<string, ResolvedHandler | null>();

  /** Throws `TypeError` unless `services` is nothing or an instance of a `@serviceClass` class. */
  constructor(private readonly services: object | undefined | null) {
    if (services !== undefined && services !== null && !isServiceInstance(services)) {
      throw new TypeError('services must be an instance of a @serviceClass class');
    }
    this.table = services ? handlerTable(services) : undefined;
  }

  /** The handler for a wire name, or undefined; invokers are cached per name. */
  resolve(method: string): ResolvedHandler | undefined {
    const cached = this.resolved.get(method);
    if (cached !== undefined) return cached ?? undefined;
    const spec = this.table?.get(method);
    const services = this.services as Record<string | symbol, (...args: unknown[]) => unknown>;
    const handler: ResolvedHandler | null = spec
      ? {
          kind: spec.kind,
          withContext: spec.withContext,
          invoke: spec.withContext
            ? (params, ctx) => services[spec.propertyKey](ctx, ...bindParams(spec, params))
            : (params) => services[spec.propertyKey](...bindParams(spec, params)),
        }
      : null;
    if (handler || this.resolved.size < MAX_CACHED_MISSES) this.resolved.set(method, handler);
    return handler ?? undefined;
  }
}
