/**
 * The scheduler's parts that need none of its state: the FIFO of calls of
 * one kind waiting for a handler slot, and how a thrown value is made safe
 * to log. Kept apart so that scheduler.ts reads as the policy alone.
 */
import type { Call } from './call';

/**
 * Calls admitted up to `limit` at a time, the rest waiting in FIFO order.
 * O(1) shift: a flood can queue many.
 */
export class WorkQueue {
  active = 0;
  pumping = false;
  /** Made on the first call that has to wait: most queues never hold one. */
  private items: (Call | undefined)[] | undefined = undefined;
  private head = 0;
  constructor(
    readonly limit: number,
    /** Requests wait while the write side is congested; notifications produce no output and do not. */
    readonly gated: boolean,
  ) {}
  get size(): number {
    return this.items === undefined ? 0 : this.items.length - this.head;
  }
  push(call: Call): void {
    (this.items ??= []).push(call);
  }
  /** The oldest waiting call; only when `size > 0`. */
  shift(): Call {
    const items = this.items as (Call | undefined)[];
    const call = items[this.head] as Call;
    items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return call;
  }
  /** Empties the queue; returns how many were waiting. */
  drain(): number {
    const dropped = this.size;
    this.items = undefined;
    this.head = 0;
    return dropped;
  }
}

/**
 * What is logged for a thrown value: the value itself when its message and
 * stack can be read, else a placeholder (a hostile getter must not throw
 * from the logger).
 */
export function safeErr(value: unknown): unknown {
  try {
    if (value instanceof Error) void (value.message + String(value.stack));
    else void String(value);
    return value;
  } catch {
    return 'unprintable thrown value';
  }
}

