/**
 * The service decorators. Legacy (`experimentalDecorators`) method and class
 * decorators; the metadata lives in `reflect-metadata` (see registry.ts).
 *
 * Each method decorator works bare (`@request`) or called with a wire name
 * and options (`@request('math.add')`, `@request({ name, params })`).
 */
import { HandlerKind, HandlerOptions, markServiceClass, registerHandler } from './registry';

/** A legacy method decorator, as `@request('name')` returns. */
export type HandlerDecorator = (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor) => void;

/** The overloads every method decorator offers. */
export interface HandlerDecoratorFactory {
  /** Bare use: `@request method() {}` exposes `method` under its own name. */
  (target: object, propertyKey: string | symbol, descriptor?: PropertyDescriptor): void;
  /** `@request('wire.name')`, optionally with the parameter names for named params. */
  (name?: string, options?: Omit<HandlerOptions, 'name'>): HandlerDecorator;
  /** `@request({ name?, params? })`. */
  (options: HandlerOptions): HandlerDecorator;
}

function makeDecorator(kind: HandlerKind, withContext: boolean): HandlerDecoratorFactory {
  const apply = (options: HandlerOptions): HandlerDecorator => (target, propertyKey, descriptor) => {
    if (typeof target === 'function') {
      throw new TypeError(`bsonrpc method decorators apply to instance methods, not static ones (${target.name}.${String(propertyKey)})`);
    }
    const fn = descriptor ? descriptor.value : (target as Record<string | symbol, unknown>)[propertyKey];
    registerHandler(target, propertyKey, fn, kind, withContext, options);
  };
  return function decorator(a?: unknown, b?: unknown, c?: unknown): HandlerDecorator | void {
    // Bare use: called by the runtime with (prototype, key, descriptor).
    if (typeof a === 'object' && a !== null && (typeof b === 'string' || typeof b === 'symbol')) {
      apply({})(a, b, c as PropertyDescriptor | undefined);
      return;
    }
    if (typeof a === 'function') {
      throw new TypeError('bsonrpc method decorators apply to instance methods, not static ones');
    }
    if (typeof a === 'string' || a === undefined) {
      return apply({ ...(b as Omit<HandlerOptions, 'name'> | undefined), name: a });
    }
    return apply(a as HandlerOptions);
  } as HandlerDecoratorFactory;
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
 */
export function serviceClass<T extends abstract new (...args: never[]) => object>(ctor: T): T {
  markServiceClass(ctor);
  return ctor;
}
