/**
 * Deadlines that travel with a request.
 *
 * A caller that will wait at most `t` ms for an answer may say so in the
 * request itself, as the extra top-level member `"timeout": t` (integer ms,
 * next to `"method"` and `"id"`). JSON-RPC 2.0 neither defines nor forbids
 * extra members and the peers this library talks to ignore them (Python
 * bsonrpc's `is_request` and vscode-jsonrpc's `Message.isRequest` read only
 * the members they know), so sending it never breaks a peer; only a peer
 * that knows it acts on it.
 *
 * The handling side starts a clock when the request arrives: when it runs
 * out, the call is cancelled exactly as by `$/cancelRequest` (signal
 * aborted, answered -32800 at once, a queued call never runs). So the
 * handler stops even when the caller's cancel notification is lost, and no
 * later than the caller stopped waiting plus the transit time. The budget
 * is relative, not a wall-clock instant, so the two machines' clocks need
 * not agree. Calls the handler makes through its context inherit what is
 * left of it.
 */
import { ResponseTimeout } from '../errors';
import type { Call } from './call';

/** The request member that carries the caller's remaining budget, in ms. */
export const DEADLINE_MEMBER = 'timeout';

/** Longest budget honoured: what `setTimeout` can wait (about 24.8 days); longer ones are ignored. */
export const MAX_BUDGET_MS = 2_147_483_647;

/** What the handler's signal reason and the -32800 answer say when the budget ran out. */
export const DEADLINE_PASSED = "the caller's deadline passed";

/**
 * A call's deadline: when it passes (`performance.now()` clock) and the
 * timer that cancels the call then. `at` moves to the moment the timer fired
 * if that was earlier (timers may fire up to a millisecond early), so that
 * after the cancel no time is left.
 */
export interface Deadline {
  at: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Reads the budget a request carries: a number from 0 to
 * {@link MAX_BUDGET_MS}. Anything else (a string, a negative number, NaN
 * from BSON, a huge value) is `undefined`: the member is then ignored, as an
 * unknown member would be.
 */
export function readBudget(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw >= 0 && raw <= MAX_BUDGET_MS ? raw : undefined;
  // A BSON int64 arrives as a bigint.
  return typeof raw === 'bigint' && raw >= 0n && raw <= BigInt(MAX_BUDGET_MS) ? Number(raw) : undefined;
}

/**
 * The timeout of a request (or batch, `what`) made by the handler of
 * `from` through its context: `timeout`, cut to what is left of `from`'s
 * deadline (whole ms, as timeouts are given). Throws `ResponseTimeout`
 * (0 ms) when that deadline has passed: such a call must not be sent.
 * Without `from` or a deadline, `timeout` as it is.
 */
export function budgetFor(what: string, timeout: number | undefined, from: Call | undefined, connectionId: string): number | undefined {
  const deadline = from?.deadline;
  if (deadline === undefined) return timeout;
  const left = Math.ceil(deadline.at - performance.now());
  if (left <= 0) throw new ResponseTimeout(what, 0, connectionId);
  return timeout === undefined || timeout <= 0 || left < timeout ? left : timeout;
}

/** Adds the budget member to an outgoing request (whole ms, at least 1: 0 would mean "already passed"). */
export function stampBudget(message: Record<string, unknown>, timeout: number | undefined): void {
  if (timeout !== undefined && timeout > 0 && timeout !== Infinity) message[DEADLINE_MEMBER] = Math.min(MAX_BUDGET_MS, Math.ceil(timeout));
}
