/** Small waiting helpers shared by the specs. */
import type { RpcPeer } from '../../lib';

/** A promise with its resolver, to hold a handler until the test lets it go. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves after `ms`: for a handler that must take time, or a test that must let some pass. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 2 ms; throws naming `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  for (const t0 = Date.now(); !cond(); await sleep(2)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

/** A few turns of the event loop: enough for in-memory frames to cross. */
export const settle = (): Promise<void> => sleep(20);

/**
 * Closes `peer` and asserts its handlers all finished within `ms`: a spec
 * that ends without this could leave a handler running into the next test.
 */
export async function closeAndJoin(peer: Pick<RpcPeer, 'close' | 'join'>, ms = 2000): Promise<void> {
  peer.close();
  expect(await peer.join(ms)).toBe(true);
}
