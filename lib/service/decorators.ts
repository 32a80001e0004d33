/**
 * The service decorators, for both decorator standards, told apart at run
 * time by the arguments the runtime passes:
 *
 * - legacy (`experimentalDecorators`): a method decorator gets
 *   `(prototype, key, descriptor)`, a class decorator `(constructor)`;
 * - TC39 standard (TypeScript 5's default, esbuild, tsx, Vite, Bun): a
 *   method decorator gets `(method, context)` with `context.kind === 'method'`,
 *   a class decorator `(class, context)` with `context.kind === 'class'`.
 *
 * Under the standard, a method decorator does not see the class, so it
 * records its handler in the class's decorator metadata (`context.metadata`)
 * and `@serviceClass`, which runs after every method decorator of the class,
 * puts the records into the class's table (registry.ts). Without
 * `@serviceClass` the records are never taken, and handing such an object
 * to a peer throws, saying so.
 *
 * Each method decorator works bare (`@request`) or called with a wire name
 * and options (`@request('math.add')`, `@request({ name, params })`), and,
 * for code without decorators, wraps a function: `request(fn)` (define.ts).
 */
import { defineHandler, HandlerDefinition } from './define';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- for the {@link defineService} in the doc comments below
import type { defineService } from './define';
import {
  claimPending,
  HandlerKind,
  HandlerOptions,
  markServiceClass,
  recordPending,
  registerHandler,
  decoratorName,
} from './registry';

// Standard decorator metadata needs `Symbol.metadata`, which Node 20 does not
// define yet; compilers (TypeScript 5.2+, esbuild) use it when it exists.
// Symbol.for keeps every copy of every library that does this in agreement.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

/** A method decorator of either standard, as `@request('name')` returns. */
export interface HandlerDecorator {
  /** Legacy decorators (`experimentalDecorators`): `(prototype, key, descriptor)`. */
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
  /** TC39 standard decorators: `(method, context)`. */
  (value: Function, context: ClassMethodDecoratorContext<any, any>): void;
}

/**
 * The overloads every method decorator offers, in the order they are tried:
 * bare use under either standard, the function form for
 * {@link defineService}, then the called forms.
 */
export interface HandlerDecoratorFactory {
  /** Bare use, legacy decorators: `@request method() {}` exposes `method` under its own name. */
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
  /** Bare use, TC39 standard decorators. */
  (value: Function, context: ClassMethodDecoratorContext<any, any>): void;
  /**
   * Without decorators: marks a function as this kind of handler for
   * {@link defineService}, e.g. `log: notification((msg) => …)`.
   */
  <F extends (...args: any[]) => unknown>(handler: F, options?: HandlerOptions): HandlerDefinition<F>;
  /** `@request('wire.name')`, optionally with the parameter names for named params. */
  (name?: string, options?: Omit<HandlerOptions, 'name'>): HandlerDecorator;
  /** `@request({ name?, params? })`. */
  (options: HandlerOptions): HandlerDecorator;
}

/** True for the second argument of a standard decorator call. */
function isDecoratorContext(x: unknown): x is DecoratorContext {
  return typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string' && 'name' in x;
}

function makeDecorator(kind: HandlerKind, withContext: boolean): HandlerDecoratorFactory {
  const label = `@${decoratorName(kind, withContext)}`;
  const apply = (options: HandlerOptions) =>
    function decorate(target: unknown, key: unknown, descriptor?: unknown): void {
      if (isDecoratorContext(key)) {
        standardMethod(target, key, kind, withContext, options, label);
        return;
      }
      if (typeof target === 'function') {
        throw new TypeError(`bsonrpc method decorators apply to instance methods, not static ones (${target.name}.${String(key)})`);
      }
      if (typeof target !== 'object' || target === null || (typeof key !== 'string' && typeof key !== 'symbol')) {
        throw new TypeError(`${label} is a method decorator; it was called with ${describe(target)}, ${describe(key)}`);
      }
      const d = descriptor as PropertyDescriptor | undefined;
      const fn = d ? d.value : (target as Record<string | symbol, unknown>)[key];
      registerHandler(target, key, fn, kind, withContext, options);
    } as HandlerDecorator;
  return function decorator(a?: unknown, b?: unknown, c?: unknown): unknown {
    // Bare use: called by the runtime with (prototype, key, descriptor) or (method, context).
    if (isDecoratorContext(b) || (typeof a === 'object' && a !== null && (typeof b === 'string' || typeof b === 'symbol'))) {
      apply({})(a as object, b as string, c as PropertyDescriptor | undefined);
      return undefined;
    }
    if (typeof a === 'function') {
      // A static method under legacy decorators: (constructor, key, descriptor).
      if (typeof b === 'string' || typeof b === 'symbol') return apply({})(a, b, c as PropertyDescriptor);
      return defineHandler(a as (...args: unknown[]) => unknown, kind, withContext, (b ?? {}) as HandlerOptions);
    }
    if (typeof a === 'string' || a === undefined) {
      return apply({ ...(b as Omit<HandlerOptions, 'name'> | undefined), name: a });
    }
    return apply(a as HandlerOptions);
  } as HandlerDecoratorFactory;
}

/** A standard method decorator's work: check the context, record the handler for `@serviceClass`. */
function standardMethod(value: unknown, context: DecoratorContext, kind: HandlerKind, withContext: boolean, options: HandlerOptions, label: string): void {
  const name = String(context.name);
  if (context.kind !== 'method') {
    throw new TypeError(`${label} must decorate a method, not the ${context.kind} ${name}`);
  }
  if (context.static) throw new TypeError(`bsonrpc method decorators apply to instance methods, not static ones (${name})`);
  if (context.private) throw new TypeError(`${label} cannot expose the private method ${name}: give it a public name`);
  recordPending(context.metadata, { propertyKey: context.name, fn: value, kind, withContext, options });
}

function describe(x: unknown): string {
  return x === null ? 'null' : typeof x === 'function' ? 'a function' : typeof x;
}

/** Exposes a method as a request handler: its return value (or awaited promise) is the result. */
export const request: HandlerDecoratorFactory = makeDecorator('request', false);

/** Exposes a method as a notification handler: no response is sent, its return value is ignored. */
export const notification: HandlerDecoratorFactory = makeDecorator('notification', false);

/**
 * Like {@link request}, but the handler receives an `RpcContext` first, through
 * which it can call back into the caller before it answers.
 */
export const rpcRequest: HandlerDecoratorFactory = makeDecorator('request', true);

/** Like {@link notification}, with an `RpcContext` as the first argument. */
export const rpcNotification: HandlerDecoratorFactory = makeDecorator('notification', true);

/**
 * Marks a class as a service. Only instances of such classes (or their
 * subclasses) are accepted as a peer's services, and of them only the
 * decorated methods are reachable from the wire.
 *
 * Works as a legacy class decorator and as a standard one; under standard
 * decorators it is also what registers the class's decorated methods, so
 * every class that declares handlers needs it (subclasses included).
 */
export function serviceClass<T extends abstract new (...args: never[]) => object>(ctor: T, context?: ClassDecoratorContext<any>): T {
  if (typeof ctor !== 'function') throw new TypeError('@serviceClass decorates a class');
  if (isDecoratorContext(context)) {
    if (context.kind !== 'class') throw new TypeError(`@serviceClass decorates a class, not the ${context.kind} ${String(context.name)}`);
    for (const entry of claimPending(context.metadata, ctor.prototype as object)) {
      registerHandler(ctor.prototype as object, entry.propertyKey, entry.fn, entry.kind, entry.withContext, entry.options);
    }
  }
  markServiceClass(ctor);
  return ctor;
}
