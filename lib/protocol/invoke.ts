/**
 * Running one call's handler: through the connection's middleware chain
 * when there is one, with {@link currentCall} naming the call while the
 * handler's synchronous part runs. Split from scheduler.ts, which decides
 * when a call runs; this decides only how.
 */
import type { Call } from './call';

/**
 * Code wrapped around every handler of a connection: `next()` runs the rest
 * of the chain and the handler and resolves to the result, which the
 * middleware may return as it is, replace, or replace by throwing.
 */
export type CallMiddleware = (call: Call, next: () => Promise<unknown>) => unknown;

/** The call whose handler is running its synchronous part right now (see `currentContext`). */
let current: Call | undefined;

/**
 * The call whose handler is executing synchronously at this moment, or
 * `undefined`. Valid only before the handler's first `await`. @internal
 */
export function currentCall(): Call | undefined {
  return current;
}

/**
 * Runs `call` through `chain` (outermost first) and then its handler. A
 * middleware that never calls `next` answers with its own result; calling
 * `next` twice rejects the second call (the handler runs once).
 */
function runChain(chain: readonly CallMiddleware[], call: Call): Promise<unknown> {
  const step = (i: number): Promise<unknown> => {
    if (i === chain.length) {
      // The handler's synchronous part may run after an await in a middleware: currentContext() must still see it.
      const outer = current;
      current = call;
      try {
        return Promise.resolve(call.handler.invoke(call.params, call));
      } catch (err) {
        return Promise.reject(err);
      } finally {
        current = outer;
      }
    }
    let called = false;
    const next = (): Promise<unknown> => {
      if (called) return Promise.reject(new Error(`next() called more than once by middleware #${i + 1} for "${call.method}"`));
      called = true;
      return step(i + 1);
    };
    try {
      return Promise.resolve(chain[i](call, next));
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return step(0);
}

/**
 * Runs `call`'s handler now, through `chain` when there is one, and returns
 * what it returned (or throws what it threw): the scheduler answers from
 * that. `currentCall()` is `call` until the handler's first `await`.
 */
export function invoke(call: Call, chain: readonly CallMiddleware[] | undefined): unknown {
  const outer = current;
  current = call;
  try {
    return chain === undefined ? call.handler.invoke(call.params, call) : runChain(chain, call);
  } finally {
    current = outer;
  }
}
