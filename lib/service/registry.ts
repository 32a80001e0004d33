/**
 * Decorator metadata → the method table a peer dispatches on.
 *
 * The table is keyed by wire name only, in a `Map`, so nothing inherited
 * from `Object` (`constructor`, `__proto__`, `toString`) and no undecorated
 * member can ever be looked up: Pyro's `@expose` discipline.
 */
import 'reflect-metadata';
import { InvalidParams } from '../errors';
import { ParamShape, readParamShape } from './params';
import { isStandardSchema, StandardSchema } from './standard-schema';

/** Whether a handler answers (request) or not (notification). */
export type HandlerKind = 'request' | 'notification';

/** One decorated method, as the router and scheduler see it. */
export interface HandlerSpec {
  /** The name callers use on the wire. */
  readonly wireName: string;
  /** The method's property key on the service object. */
  readonly propertyKey: string | symbol;
  /** Request or notification handler. */
  readonly kind: HandlerKind;
  /** True for `@rpcRequest` / `@rpcNotification`: an `RpcContext` comes first. */
  readonly withContext: boolean;
  /** Parameter names and arity, the context parameter excluded. */
  readonly shape: ParamShape;
  /**
   * The declared parameter types (`design:paramtypes`, the context parameter
   * excluded), when the compiler emitted them: legacy decorators with
   * `emitDecoratorMetadata` only.
   */
  readonly paramTypes: readonly unknown[] | undefined;
  /** The declared return type (`design:returntype`), when emitted. */
  readonly returnType: unknown;
  /** The decorator's options: validators and documentation. */
  readonly options: Readonly<HandlerOptions>;
}

/** An error a method declares it may answer with, listed by `rpc.discover`. */
export interface DeclaredError {
  /** The JSON-RPC error code. */
  code: number;
  /** The error's message. */
  message: string;
  /** What `data` holds, if anything. */
  data?: unknown;
}

/** Options shared by the four method decorators. */
export interface HandlerOptions {
  /** The wire name; defaults to the method's name. */
  name?: string;
  /**
   * The parameter names, in order, for mapping named params. Needed only
   * when they cannot be read from the source (destructuring, minified code).
   */
  params?: string[];
  /**
   * Standard Schema validators (zod, valibot, …) by parameter name, run on
   * the arguments before the handler. A failure answers -32602 naming the
   * parameter and the issues; the validator's output is what the handler
   * gets. See docs/validation.md.
   */
  validate?: Record<string, StandardSchema>;
  /** A Standard Schema validator for the result; a failure answers -32603 and is logged. Requests only. */
  returns?: StandardSchema;
  /**
   * Check arguments against their declared types (`design:paramtypes`,
   * legacy decorators with `emitDecoratorMetadata` only). Default `true`.
   */
  checkTypes?: boolean;
  /** A one-line summary, for `rpc.discover`. */
  summary?: string;
  /** A longer description, for `rpc.discover`. */
  description?: string;
  /** Marks the method deprecated in `rpc.discover`. */
  deprecated?: boolean;
  /** Errors the method may answer with, listed by `rpc.discover`. */
  errors?: readonly DeclaredError[];
}

const HANDLERS = Symbol.for('bsonrpc:handlers');
const SERVICE = Symbol.for('bsonrpc:serviceClass');

/** A class's own table (not its parents'), created on first decoration. */
function ownTable(proto: object): Map<string, HandlerSpec> {
  let table = Reflect.getOwnMetadata(HANDLERS, proto) as Map<string, HandlerSpec> | undefined;
  if (!table) {
    table = new Map();
    Reflect.defineMetadata(HANDLERS, table, proto);
  }
  return table;
}

/**
 * Records one decorated method. Throws when the wire name is taken by
 * another method of the same class: a silent overwrite would make one
 * handler unreachable.
 */
export function registerHandler(
  proto: object,
  propertyKey: string | symbol,
  fn: unknown,
  kind: HandlerKind,
  withContext: boolean,
  options: HandlerOptions,
): void {
  const className = (proto as { constructor?: { name?: string } }).constructor?.name ?? '<anonymous>';
  if (typeof fn !== 'function') {
    throw new TypeError(`@${decoratorName(kind, withContext)} must decorate a method, not ${String(propertyKey)} of ${className}`);
  }
  const wireName = options.name ?? (typeof propertyKey === 'string' ? propertyKey : undefined);
  if (!wireName) {
    throw new TypeError(`${className}.${String(propertyKey)}: a symbol-keyed handler needs an explicit wire name`);
  }
  const table = ownTable(proto);
  const taken = table.get(wireName);
  if (taken && taken.propertyKey !== propertyKey) {
    throw new TypeError(
      `duplicate wire name "${wireName}" in ${className}: both ${String(taken.propertyKey)} and ${String(propertyKey)} use it`,
    );
  }
  if (withContext) checkContextParam(proto, propertyKey, className, kind);
  const where = `${className}.${String(propertyKey)}`;
  const shape = shapeOf(fn, withContext, options.params, where);
  checkValidators(options, shape, kind, where);
  const types = Reflect.getMetadata('design:paramtypes', proto, propertyKey) as unknown[] | undefined;
  table.set(wireName, {
    wireName,
    propertyKey,
    kind,
    withContext,
    shape,
    paramTypes: Array.isArray(types) ? types.slice(withContext ? 1 : 0) : undefined,
    returnType: Reflect.getMetadata('design:returntype', proto, propertyKey) as unknown,
    options: { ...options },
  });
}

/** A validator for a parameter the method does not have, or one that is no validator, would silently check nothing. */
function checkValidators(options: HandlerOptions, shape: ParamShape, kind: HandlerKind, where: string): void {
  const { validate, returns } = options;
  if (validate !== undefined) {
    if (typeof validate !== 'object' || validate === null) throw new TypeError(`${where}: the validate option takes an object of validators by parameter name`);
    for (const name of Object.keys(validate)) {
      if (!shape.names.includes(name)) {
        throw new TypeError(`${where}: validate names "${name}", which is not a parameter (${shape.names.filter((n) => n !== null).join(', ') || 'none'})`);
      }
      if (!isStandardSchema(validate[name])) throw new TypeError(`${where}: validate.${name} is not a Standard Schema validator (zod, valibot, …)`);
    }
  }
  if (returns !== undefined) {
    if (kind !== 'request') throw new TypeError(`${where}: returns applies to requests; a notification's result is never sent`);
    if (!isStandardSchema(returns)) throw new TypeError(`${where}: returns is not a Standard Schema validator (zod, valibot, …)`);
  }
}

/** Declared types that an `RpcContext` can never be. */
const NOT_A_CONTEXT: readonly unknown[] = [String, Number, Boolean, BigInt, Symbol, Array, Date, Function, Uint8Array, Buffer];

/**
 * Under legacy decorators with `emitDecoratorMetadata`, the declared type of
 * an `@rpc*` handler's first parameter is known: one that cannot be the
 * context (`greet(name: string)`) is a mistake that would otherwise show
 * only when the handler is called. Without the metadata (standard
 * decorators, plain JavaScript) this check cannot be made.
 */
function checkContextParam(proto: object, propertyKey: string | symbol, className: string, kind: HandlerKind): void {
  const types = Reflect.getMetadata('design:paramtypes', proto, propertyKey) as unknown[] | undefined;
  const first = Array.isArray(types) ? types[0] : undefined;
  if (first !== undefined && NOT_A_CONTEXT.includes(first)) {
    const name = decoratorName(kind, true);
    throw new TypeError(
      `${className}.${String(propertyKey)}: an @${name} handler gets an RpcContext as its first argument, ` +
        `but its first parameter is declared as ${(first as Function).name}; ` +
        `add \`rpc: RpcContext\` as the first parameter, or use @${name === 'rpcRequest' ? 'request' : 'notification'}`,
    );
  }
}

function shapeOf(fn: Function, withContext: boolean, explicit: string[] | undefined, where: string): ParamShape {
  const read = readParamShape(fn);
  const skip = withContext ? 1 : 0;
  const declared = Math.max(0, read.names.length - skip);
  // A list of another length would silently change the handler's arity.
  if (explicit && explicit.length !== declared) {
    throw new TypeError(
      `${where}: the params option lists ${explicit.length} name(s), but the method declares ${declared} parameter(s)` +
        `${withContext ? ' after the RpcContext' : ''}${read.rest ? ' before its rest parameter' : ''}; list one name for each`,
    );
  }
  const names = explicit ? [...explicit] : read.names.slice(skip);
  return { names, required: Math.max(0, Math.min(read.required - skip, names.length)), rest: read.rest };
}

/** The decorator's name for messages: `request`, `rpcNotification`, ... */
export function decoratorName(kind: HandlerKind, withContext: boolean): string {
  const base = kind === 'request' ? 'request' : 'notification';
  return withContext ? `rpc${base[0].toUpperCase()}${base.slice(1)}` : base;
}

/** Marks a constructor as a service class. */
export function markServiceClass(ctor: Function): void {
  Reflect.defineMetadata(SERVICE, true, ctor);
}

/**
 * True when `value` is a class marked with `@serviceClass` (or a subclass
 * of one): what a loader (e.g. `bsonrpc serve`) looks for among a module's
 * exports.
 */
export function isServiceClass(value: unknown): value is new (...args: never[]) => object {
  return typeof value === 'function' && Reflect.getMetadata(SERVICE, value) === true;
}

/** True when `value` is an instance of a `@serviceClass` class (or a subclass of one). */
export function isServiceInstance(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  // From the prototype, not the value: an own `constructor` property must not pass as a class.
  const ctor = (Object.getPrototypeOf(value) as { constructor?: unknown } | null)?.constructor;
  return typeof ctor === 'function' && Reflect.getMetadata(SERVICE, ctor) === true;
}

/** A handler seen by a standard method decorator, waiting for its class's `@serviceClass`. */
export interface PendingHandler {
  propertyKey: string | symbol;
  fn: unknown;
  kind: HandlerKind;
  withContext: boolean;
  options: HandlerOptions;
}

const PENDING = Symbol.for('bsonrpc:pendingHandlers');
/** Records made where the compiler gives no decorator metadata (`Symbol.metadata` unsupported). */
const orphans: PendingHandler[] = [];

/** Keeps a standard method decorator's handler in its class's metadata until `@serviceClass` claims it. */
export function recordPending(metadata: object | undefined | null, entry: PendingHandler): void {
  if (typeof metadata !== 'object' || metadata === null) {
    orphans.push(entry);
    return;
  }
  // Own property only: a subclass's metadata object inherits its parent's.
  if (!Object.prototype.hasOwnProperty.call(metadata, PENDING)) {
    Object.defineProperty(metadata, PENDING, { value: [], configurable: true });
  }
  (metadata as Record<symbol, PendingHandler[]>)[PENDING].push(entry);
}

/** Takes the handlers recorded for the class whose prototype is `proto`. */
export function claimPending(metadata: object | undefined | null, proto: object): PendingHandler[] {
  if (typeof metadata === 'object' && metadata !== null && Object.prototype.hasOwnProperty.call(metadata, PENDING)) {
    return (metadata as Record<symbol, PendingHandler[]>)[PENDING].splice(0);
  }
  const mine = orphans.filter((e) => Object.prototype.hasOwnProperty.call(proto, e.propertyKey));
  for (const e of mine) orphans.splice(orphans.indexOf(e), 1);
  return mine;
}

/** Throws when a class in the chain has standard-decorated handlers that no `@serviceClass` registered. */
function checkUnclaimed(proto: object): void {
  const ctor = (proto as { constructor?: unknown }).constructor;
  const metadataKey = (Symbol as { metadata?: symbol }).metadata;
  if (typeof ctor !== 'function' || !metadataKey || !Object.prototype.hasOwnProperty.call(ctor, metadataKey)) return;
  const metadata = (ctor as unknown as Record<symbol, unknown>)[metadataKey];
  if (typeof metadata !== 'object' || metadata === null || !Object.prototype.hasOwnProperty.call(metadata, PENDING)) return;
  const left = (metadata as Record<symbol, PendingHandler[]>)[PENDING];
  if (left.length > 0) {
    throw new TypeError(
      `${ctor.name || '<anonymous>'} declares handlers (${left.map((e) => String(e.propertyKey)).join(', ')}) but is not marked ` +
        '@serviceClass: under standard decorators @serviceClass is what registers them; add it to this class',
    );
  }
}

const merged = new WeakMap<object, ReadonlyMap<string, HandlerSpec>>();

/**
 * The full table of a service object's class: parents first, so a subclass
 * overrides by wire name, and a method re-decorated in a subclass drops the
 * parent's entries for that method. Cached per class.
 */
export function handlerTable(service: object): ReadonlyMap<string, HandlerSpec> {
  const proto = Object.getPrototypeOf(service) as object;
  const cached = merged.get(proto);
  if (cached) return cached;
  const chain: object[] = [];
  for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    checkUnclaimed(p);
    chain.unshift(p);
  }
  const table = new Map<string, HandlerSpec>();
  for (const p of chain) {
    const own = Reflect.getOwnMetadata(HANDLERS, p) as Map<string, HandlerSpec> | undefined;
    if (!own) continue;
    const redecorated = new Set([...own.values()].map((s) => s.propertyKey));
    for (const [name, spec] of table) if (redecorated.has(spec.propertyKey)) table.delete(name);
    for (const [name, spec] of own) table.set(name, spec);
  }
  merged.set(proto, table);
  return table;
}

/**
 * Turns wire params into the argument list for a handler: an array by
 * position, an object by name. Throws `InvalidParams` (-32602) naming the
 * method on wrong arity or a missing or unknown name.
 */
export function bindParams(spec: HandlerSpec, params: unknown): unknown[] {
  const { names, required, rest } = spec.shape;
  if (params === undefined) {
    if (required > 0) throw invalid(spec, `expects at least ${required} argument(s), got none`);
    return [];
  }
  if (Array.isArray(params)) {
    if (params.length < required) throw invalid(spec, `expects at least ${required} argument(s), got ${params.length}`);
    if (!rest && params.length > names.length) {
      throw invalid(spec, `expects at most ${names.length} argument(s), got ${params.length}`);
    }
    return params;
  }
  const named = params as Record<string, unknown>;
  const args: unknown[] = [];
  let last = -1;
  for (const key of Object.keys(named)) {
    const index = names.indexOf(key);
    if (index < 0) throw invalid(spec, `has no parameter named "${key}"`);
    args[index] = named[key];
    if (index > last) last = index;
  }
  for (let i = 0; i < required; i++) {
    if (!Object.prototype.hasOwnProperty.call(named, names[i] as string)) {
      throw invalid(spec, names[i] === null ? 'cannot take named params' : `is missing parameter "${names[i]}"`);
    }
  }
  args.length = last + 1;
  return args;
}

function invalid(spec: HandlerSpec, detail: string): InvalidParams {
  return new InvalidParams(undefined, `"${spec.wireName}" ${detail}`);
}
