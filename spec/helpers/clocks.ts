/** Watching the deadline clocks of calls (lib/protocol/deadline.ts) from specs. */
import type { Call } from '../../lib/protocol/call';
import { Scheduler } from '../../lib/protocol/scheduler';

/**
 * Records every call given a deadline clock (by wrapping the scheduler's
 * method); `running()` counts the clocks still set. The clocks are unref'd
 * timers, which `process.getActiveResourcesInfo()` does not list.
 */
export function watchClocks() {
  const calls: Call[] = [];
  const original = Scheduler.prototype.startDeadline;
  Scheduler.prototype.startDeadline = function (this: Scheduler, call: Call, ms: number) {
    calls.push(call);
    return original.call(this, call, ms);
  };
  return {
    calls,
    running: () => calls.filter((c) => c.deadline?.timer !== undefined).length,
    restore: () => void (Scheduler.prototype.startDeadline = original),
  };
}
