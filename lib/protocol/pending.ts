/**
 * Outstanding requests of this side: ids, timeouts, cancellation, and
 * reject-all on close. Owns only the bookkeeping; it does not send anything.
 *
 * Every entry settles exactly once, by a response, a timeout, an abort
 * signal or `rejectAll`, and every path removes its timer and listener, so
 * nothing outlives the call.
 */
import { ConnectionClosedError, PeerError, ResponseTimeout } from '../errors';
import { RequestId } from './messages';

interface Entry {
  method: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** Options for one outstanding request. */
export interface PendingOptions {
  /** ms to wait for the response; none when undefined or 0. */
  timeout?: number;
  /** Rejects the call with the signal's reason when it aborts. */
  signal?: AbortSignal;
}

/** The table of requests awaiting responses on one connection. */
export class PendingRequests {
  private readonly entries = new Map<RequestId, Entry>();

  constructor(
    private readonly connectionId: string,
    /**
     * Called with the id of a request this side stopped waiting for (its
     * timeout passed or its signal aborted) while the connection is open:
     * the connection tells the other side to stop too.
     */
    private readonly onGiveUp?: (id: RequestId) => void,
  ) {}

  /** Number of requests awaiting a response. */
  get size(): number {
    return this.entries.size;
  }

  /** True when `id` is awaiting a response. */
  has(id: RequestId): boolean {
    return this.entries.has(id);
  }

  /**
   * Registers a request and returns the promise its response settles.
   * Registration happens before the message is written so that a response
   * arriving in the same tick as the write still finds its entry.
   */
  add(id: RequestId, method: string, options: PendingOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: Entry = { method, resolve, reject, timer: undefined, signal: undefined, onAbort: undefined };
      const { timeout, signal } = options;
      if (signal) {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        entry.signal = signal;
        entry.onAbort = () => this.giveUp(id, entry, signal.reason);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      if (timeout !== undefined && timeout > 0 && Number.isFinite(timeout)) {
        entry.timer = setTimeout(() => this.giveUp(id, entry, new ResponseTimeout(method, timeout, this.connectionId)), timeout);
      }
      this.entries.set(id, entry);
    });
  }

  /** Settles `id` with a result. Returns false when no such request is pending (late or unknown). */
  resolve(id: RequestId, result: unknown): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.settle(id, entry, true, result);
    return true;
  }

  /** Settles `id` with the error response's class. Returns false when unknown. */
  rejectWithWireError(id: RequestId, error: unknown): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.settle(id, entry, false, PeerError.fromWire(error));
    return true;
  }

  /** Rejects one request (e.g. its message could not be written). */
  reject(id: RequestId, error: unknown): void {
    const entry = this.entries.get(id);
    if (entry) this.settle(id, entry, false, error);
  }

  /** Stops waiting for one request and tells `onGiveUp` (a batch's timeout, per member). */
  abandon(id: RequestId, error: unknown): void {
    const entry = this.entries.get(id);
    if (entry) this.giveUp(id, entry, error);
  }

  private giveUp(id: RequestId, entry: Entry, error: unknown): void {
    if (this.entries.get(id) !== entry) return;
    this.settle(id, entry, false, error);
    this.onGiveUp?.(id);
  }

  /** Rejects everything still pending: the connection is gone. */
  rejectAll(makeError: (method: string) => Error = (m) => new ConnectionClosedError(`request "${m}" failed: connection closed`)): void {
    for (const [id, entry] of [...this.entries]) this.settle(id, entry, false, makeError(entry.method));
  }

  private settle(id: RequestId, entry: Entry, ok: boolean, value: unknown): void {
    // The entry may already be gone (e.g. a response and the timeout in one tick).
    if (this.entries.get(id) !== entry) return;
    this.entries.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.signal && entry.onAbort) entry.signal.removeEventListener('abort', entry.onAbort);
    if (ok) entry.resolve(value);
    else entry.reject(value);
  }
}
