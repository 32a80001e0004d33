/** Small waiting helpers shared by the peer specs. */

/** A promise with its resolver, to hold a handler until the test lets it go. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls `cond` every 2 ms; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  for (const t0 = Date.now(); !cond(); await new Promise((r) => setTimeout(r, 2))) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

/** A few turns of the event loop: enough for in-memory frames to cross. */
export const settle = (): Promise<unknown> => new Promise((r) => setTimeout(r, 20));
