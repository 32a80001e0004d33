/**
 * Services without decorators, for JavaScript (or any code that does not
 * compile decorators): `defineService({ add(a, b) { … } })` builds the same
 * method table the decorators build, on a class made for the call.
 *
 * Owns only the translation from a plain object to a registered class; the
 * table, the parameter reading and the checks are registry.ts's.
 */
import { HandlerKind, HandlerOptions, markServiceClass, registerHandler } from './registry';

const DEFINITION = Symbol('bsonrpc:handlerDefinition');

/**
 * A function marked as a handler of a given kind by `request(fn)`,
 * `notification(fn)`, `rpcRequest(fn)` or `rpcNotification(fn)`, for
 * {@link defineService}.
 */
export interface HandlerDefinition<F extends (...args: any[]) => unknown = (...args: any[]) => unknown> {
  /** The function that handles the call. */
  readonly handler: F;
  /** Request (answered) or notification (not answered). */
  readonly kind: HandlerKind;
  /** True for `rpcRequest(fn)` / `rpcNotification(fn)`: an `RpcContext` comes first. */
  readonly withContext: boolean;
  /** The wire name and parameter names, as the decorators take them. */
  readonly options: HandlerOptions;
  /** Brand: made by the library, not by hand. */
  readonly [DEFINITION]: true;
}

/** Makes a {@link HandlerDefinition}; the decorators' function form. @internal */
export function defineHandler<F extends (...args: any[]) => unknown>(
  handler: F,
  kind: HandlerKind,
  withContext: boolean,
  options: HandlerOptions,
): HandlerDefinition<F> {
  if (typeof options !== 'object' || options === null) throw new TypeError('handler options must be an object ({ name?, params? })');
  return Object.freeze({ handler, kind, withContext, options: { ...options }, [DEFINITION]: true as const });
}

function isDefinition(x: unknown): x is HandlerDefinition {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[DEFINITION] === true;
}

/** Options of {@link defineService}. */
export interface DefineServiceOptions {
  /** Names the service in error messages; default `'Service'`. */
  name?: string;
  /**
   * With any of the four lists given, only the listed functions are exposed,
   * each as its list says, and other functions stay callable through `this`
   * only. Without lists, every function is exposed: a plain function as a
   * request, a marked one (`notification(fn)`, ...) as its mark says.
   */
  requests?: string[];
  /** Names of functions exposed as notification handlers. */
  notifications?: string[];
  /** Names of functions exposed as requests that get an `RpcContext` first. */
  rpcRequests?: string[];
  /** Names of functions exposed as notifications that get an `RpcContext` first. */
  rpcNotifications?: string[];
}

/** What {@link defineService} returns: the object's members, with each handler definition unwrapped to its function. */
export type DefinedService<T> = {
  [K in keyof T]: T[K] extends HandlerDefinition<infer F> ? F : T[K];
};

const LISTS = [
  ['requests', 'request', false],
  ['notifications', 'notification', false],
  ['rpcRequests', 'request', true],
  ['rpcNotifications', 'notification', true],
] as const;

/**
 * A service object without decorators: pass it to a peer as you would an
 * instance of a `@serviceClass` class.
 *
 * ```js
 * const calc = defineService({
 *   add(a, b) { return a + b; },                        // a request, wire name "add"
 *   'math.pow': (base, exponent = 2) => base ** exponent, // any key is a wire name
 *   log: notification((msg) => console.error(msg)),      // a notification
 *   whoAmI: rpcRequest((rpc) => rpc.clientInfo),          // gets the RpcContext first
 * });
 * const rpc = new JsonRpc(socket, calc);
 * ```
 *
 * Keys are wire names, unless a definition names its own
 * (`request(fn, { name: 'a.b' })`). Values that are not functions are copied
 * onto the service object as state (`this.count`), never exposed.
 * Parameter names for named params are read from each function as for
 * decorated methods; `request(fn, { params: [...] })` lists them
 * explicitly. Mistakes (a listed name that is not a function, a name in two
 * lists, a duplicate wire name) throw a `TypeError` here.
 *
 * @param members - the handlers and any state.
 * @param options - an explicit choice of what is exposed, and a name for messages.
 */
export function defineService<T extends object>(members: T, options: DefineServiceOptions = {}): DefinedService<T> {
  if (typeof members !== 'object' || members === null) throw new TypeError('defineService takes an object of handlers');
  const className = options.name ?? 'Service';
  // A class of its own per call, so each service's table is separate.
  const Service = { [className]: class {} }[className];
  const proto = Service.prototype as Record<string, unknown>;
  const state: PropertyDescriptorMap = {};
  const listed = new Map<string, [HandlerKind, boolean]>();
  const hasLists = LISTS.some(([key]) => options[key] !== undefined);
  for (const [key, kind, withContext] of LISTS) {
    for (const name of options[key] ?? []) {
      if (listed.has(name)) throw new TypeError(`defineService(${className}): "${name}" is in more than one list`);
      listed.set(name, [kind, withContext]);
    }
  }
  for (const name of listed.keys()) {
    const value = (members as Record<string, unknown>)[name];
    if (typeof value !== 'function' && !isDefinition(value)) {
      throw new TypeError(`defineService(${className}): "${name}" is listed but is not a function`);
    }
  }
  for (const key of Object.keys(members)) {
    const descriptor = Object.getOwnPropertyDescriptor(members, key) as PropertyDescriptor;
    const value: unknown = descriptor.value;
    const def = isDefinition(value) ? value : undefined;
    const fn = def ? def.handler : value;
    if (typeof fn !== 'function' || descriptor.get || descriptor.set) {
      state[key] = { ...descriptor, configurable: true };
      continue;
    }
    Object.defineProperty(proto, key, { value: fn, writable: true, configurable: true, enumerable: false });
    const byList = listed.get(key);
    if (def) registerHandler(proto, key, fn, def.kind, def.withContext, def.options);
    else if (byList) registerHandler(proto, key, fn, byList[0], byList[1], {});
    else if (!hasLists) registerHandler(proto, key, fn, 'request', false, {});
  }
  markServiceClass(Service);
  return Object.defineProperties(new Service(), state) as DefinedService<T>;
}
