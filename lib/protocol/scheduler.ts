/**
 * Runs incoming calls: requests interleaved up to a concurrency limit (or
 * one at a time), notifications likewise, the rest waiting in arrival order,
 * and a defined outcome for a flood.
 *
 * It never holds back a response. Responses and control messages are
 * settled by the router as soon as they are decoded; only calls wait here,
 * and reading is paused only when no answer can be behind the pause (see
 * {@link Scheduler.submit}). The first design paused reading whenever too
 * many requests waited, and so also stopped the responses that the running
 * handlers awaited: a server whose handlers call back their caller
 * deadlocked under load (spec/protocol/deadlock.spec.ts).
 *
 * It owns queues, slots and the table of live calls. It does not decode,
 * route or find handlers (the router does) and does not touch the transport.
 */
import type { ConnectionLogger } from '../logger';
import { ConnectionClosedError, PeerError, RequestCancelled, ServerOverloaded, toWireError } from '../errors';
import type { Call } from './call';
import { Deadline, DEADLINE_PASSED } from './deadline';
import { buildError, buildResult, RequestId } from './messages';
import { withHook, withoutHook } from './hook-list';
import { CallMiddleware, invoke } from './invoke';
import { safeErr, WorkQueue } from './queue';

export type { CallMiddleware };

/** What the scheduler needs from its connection. */
export interface SchedulerHost {
  readonly versionKey: string;
  readonly logger: ConnectionLogger;
  /** Request handlers that may run at once (1 = serial, in arrival order). */
  readonly requestConcurrency: number;
  /** Notification handlers that may run at once (1 = serial, in arrival order). */
  readonly notificationConcurrency: number;
  /** Calls of each kind that may wait for a slot. */
  readonly maxQueued: number;
  /** True while the write side is over its mark: new requests wait (their answers would only queue up). */
  readonly congested: boolean;
  /** True once the connection is closed: results are dropped. */
  readonly closed: boolean;
  /** Own requests awaiting answers from the other side. */
  readonly pendingCount: number;
  /** Stops reading (back-pressure); `resumeReading` undoes it. */
  pauseReading(): void;
  resumeReading(): void;
  /** Closes the connection with a logged reason. */
  close(reason: string): void;
}

/** Stops a call's deadline clock (it was answered, or can no longer be). */
function stopClock(call: Call): void {
  clearTimeout(call.deadline!.timer);
  call.deadline!.timer = undefined;
}

/** Schedules the incoming calls of one connection. */
export class Scheduler {
  private running = 0;
  private idleWaiters: (() => void)[] | undefined = undefined;
  /** Made on the first call of their kind, as is `live`: an idle connection holds none of them. */
  private requestQueue: WorkQueue | undefined = undefined;
  private notificationQueue: WorkQueue | undefined = undefined;
  private readingPaused = false;
  /** Middleware, outermost first; undefined (not empty) when there is none, so the plain path checks one field. */
  private middleware: CallMiddleware[] | undefined = undefined;
  /** Handlers that gave up their slot to await an answer from the other side (see {@link Scheduler.awaitingAnswer}). */
  private suspended = 0;
  /**
   * Calls that are queued, or whose handler is still running after its
   * synchronous part: by request id, else by the call itself. Calls that
   * finish synchronously (the common case) never enter it.
   */
  private live: Map<RequestId | Call, Call> | undefined = undefined;

  constructor(private readonly host: SchedulerHost) {}

  private get requests(): WorkQueue {
    return (this.requestQueue ??= new WorkQueue(this.host.requestConcurrency, true));
  }

  private get notifications(): WorkQueue {
    return (this.notificationQueue ??= new WorkQueue(this.host.notificationConcurrency, false));
  }

  /**
   * Adds middleware around every handler started from now on; the first
   * added is the outermost. Returns a function that removes it.
   */
  use(middleware: CallMiddleware): () => void {
    if (typeof middleware !== 'function') throw new TypeError('use() takes a function (call, next) => result');
    this.middleware = withHook(this.middleware, middleware);
    return () => void (this.middleware = withoutHook(this.middleware, middleware));
  }

  /** Handlers currently running (queued ones excluded). */
  get runningHandlers(): number {
    return this.running;
  }

  /** Calls queued or running asynchronously (for tests and monitoring). */
  get liveCalls(): number {
    return this.live === undefined ? 0 : this.live.size;
  }

  /** The live request with this id, if it is queued or running asynchronously (for cancellation). */
  find(id: RequestId): Call | undefined {
    const call = this.live?.get(id);
    return call?.kind === 'request' ? call : undefined;
  }

  /**
   * Runs `call` now if a slot is free, else queues it. Past `maxQueued`
   * waiting calls of its kind:
   * - while this side awaits no answer, reading pauses until half have run:
   *   the transport's own back-pressure then slows the sender, and no
   *   response can be behind the pause, because none is expected (a request
   *   this side sends resumes reading first, see {@link awaitingAnswer});
   * - while own requests await answers, pausing could hold one back, so a
   *   request is answered at once with -32005 `ServerOverloaded` without
   *   running, and a notification (which cannot be answered) closes the
   *   connection with a logged reason: nothing is dropped silently.
   */
  submit(call: Call): void {
    const q = call.kind === 'request' ? this.requests : this.notifications;
    if (q.size === 0 && q.active < q.limit && !q.pumping && !(q.gated && this.host.congested)) {
      this.start(q, call);
      return;
    }
    if (q.size >= this.host.maxQueued) {
      if (this.host.pendingCount > 0) return this.overflow(q, call);
      if (!this.readingPaused) {
        this.readingPaused = true;
        this.host.logger.debug({ queued: q.size }, 'too many calls waiting; reading paused');
        this.host.pauseReading();
      }
    }
    q.push(call);
    this.track(call);
  }

  private overflow(q: WorkQueue, call: Call): void {
    const { host } = this;
    if (call.kind === 'request') {
      host.logger.debug({ method: call.method, queued: q.size }, 'request queue full; answered -32005');
      const error = new ServerOverloaded(undefined, `${q.size} requests are waiting for a handler; try again later`);
      this.answer(call, buildError(host.versionKey, call.id as RequestId | null, error.toJSON()));
      return;
    }
    host.logger.warn({ queued: q.size }, 'notification queue full while own requests await answers; closing the connection');
    host.close(`more than ${host.maxQueued} notifications queued (maxQueuedMessages) while own requests await answers`);
  }

  /**
   * This side is about to await an answer, for the handler of `from` when
   * the request is made through that call's context.
   *
   * A paused read side could hold the answer back, so reading resumes (a
   * later overflow is then answered with -32005, or closes for notifications).
   *
   * A handler that awaits its caller holds no CPU, but it would hold its
   * slot: when both sides call each other at once, every slot on each side
   * can be taken by handlers awaiting callbacks that wait, in the other
   * side's queue, behind requests that wait for a slot. So in interleaved
   * mode the handler gives its slot to the next queued call. At most
   * `maxQueued` handlers may be suspended this way, so a peer that never
   * answers callbacks cannot grow this side without bound. Serial mode
   * (a limit of 1) keeps its one-at-a-time promise and never yields.
   */
  awaitingAnswer(from?: Call): void {
    if (this.readingPaused) this.resume();
    if (from === undefined || !from.holdsSlot) return;
    const q = from.kind === 'request' ? this.requests : this.notifications;
    if (q.limit === 1 || this.suspended >= this.host.maxQueued) return;
    from.holdsSlot = false;
    this.suspended++;
    q.active--;
    this.pump(q);
  }

  /** Starts waiting requests once the write side drained. */
  drained(): void {
    if (this.requestQueue !== undefined) this.pump(this.requestQueue);
  }

  /**
   * Answers a request now, once: later answers for it (its handler's result)
   * are dropped. Returns false when it was already answered.
   */
  answer(call: Call, message: Record<string, unknown> | undefined): boolean {
    if (call.answered) return false;
    call.answered = true;
    if (call.deadline?.timer !== undefined) stopClock(call);
    call.reply?.(message, message !== undefined && call.closeAfterResponseRequested);
    return true;
  }

  /**
   * The caller cancelled `call`: its signal aborts (reason: a
   * `RequestCancelled` that says so) and it is answered -32800 now, so the
   * caller's side is freed at once; the handler's later result is dropped.
   * A queued call never runs. Does nothing to a call already answered.
   */
  cancel(call: Call, why = 'cancelled by the caller'): void {
    if (call.answered) return;
    const reason = new RequestCancelled('Request cancelled', why);
    call.abortSignal(reason);
    this.answer(call, buildError(this.host.versionKey, call.id as RequestId | null, { code: reason.code, message: reason.message }));
  }

  /**
   * Gives a request its caller's deadline: `ms` from now it is cancelled as
   * by `$/cancelRequest` (reason: the deadline passed), unless answered
   * first. A budget of 0 cancels it at once, before it runs.
   */
  startDeadline(call: Call, ms: number): void {
    const deadline: Deadline = { at: performance.now() + ms, timer: undefined };
    call.deadline = deadline;
    if (ms === 0) return this.cancel(call, DEADLINE_PASSED);
    // unref: a handler that ignores its signal keeps the process alive by itself, not through this clock.
    deadline.timer = setTimeout(() => {
      deadline.timer = undefined;
      deadline.at = Math.min(deadline.at, performance.now());
      this.cancel(call, DEADLINE_PASSED);
    }, ms).unref();
  }

  /**
   * The connection closed: queued calls never run (a closed connection
   * cannot carry their answers) and running ones see their signal abort
   * with the error `reason()` makes.
   */
  closed(reason: () => unknown): void {
    const dropped = (this.requestQueue?.drain() ?? 0) + (this.notificationQueue?.drain() ?? 0);
    if (dropped > 0) this.host.logger.debug({ dropped }, 'queued calls dropped on close');
    const live = this.live;
    // Queued calls never finish, so their deadline clocks stop here (running ones stop theirs when answered).
    if (live !== undefined) for (const call of live.values()) if (call.deadline?.timer !== undefined) stopClock(call);
    // The reason is made only when a live call needs it: an error's stack trace costs more than the rest of a close.
    if (live !== undefined && live.size > 0) {
      const error = reason();
      for (const call of live.values()) call.abortSignal(error);
      live.clear();
    }
    this.maybeIdle();
  }

  /** Resolves once no handler is running or queued. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => (this.idleWaiters ??= []).push(resolve));
  }

  private track(call: Call): void {
    if (call.liveKey !== undefined) return;
    const live = (this.live ??= new Map());
    // A peer may reuse an id while the first is live; the second is then tracked by itself.
    const key = call.kind === 'request' && call.id !== null && call.id !== undefined && !live.has(call.id) ? call.id : call;
    call.liveKey = key;
    live.set(key, call);
  }

  private untrack(call: Call): void {
    if (call.liveKey === undefined) return;
    const live = this.live as Map<RequestId | Call, Call>;
    if (live.get(call.liveKey) === call) live.delete(call.liveKey);
    call.liveKey = undefined;
  }

  /**
   * Runs one handler. Sync results are answered in the same tick (the
   * common fast path: no promise is created); thenables when they settle.
   */
  private start(q: WorkQueue, call: Call): void {
    q.active++;
    call.holdsSlot = true;
    this.running++;
    let result: unknown;
    try {
      result = invoke(call, this.middleware);
    } catch (err) {
      this.finish(q, call, false, err);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      if (this.host.closed) call.abortSignal(new ConnectionClosedError('connection closed while the handler ran'));
      else this.track(call);
      Promise.resolve(result as PromiseLike<unknown>)
        .then(
          (value) => this.finish(q, call, true, value),
          (err) => this.finish(q, call, false, err),
        )
        // finish() is written not to throw; this is the last guard against an unhandled rejection.
        .then(undefined, (err) => this.host.logger.error({ method: call.method, err: safeErr(err) }, 'internal error after a handler settled'));
    } else {
      this.finish(q, call, true, result);
    }
  }

  private finish(q: WorkQueue, call: Call, ok: boolean, value: unknown): void {
    this.running--;
    if (call.holdsSlot) {
      call.holdsSlot = false;
      q.active--;
    } else this.suspended--;
    this.untrack(call);
    const { host } = this;
    const isRequest = call.kind === 'request';
    if (!ok) {
      // A caller learns of its own bad request from the answer; anything else is worth a warning.
      // A handler stopped by the connection closing is no news either: nobody can receive its answer.
      const level = (isRequest && value instanceof PeerError) || host.closed ? 'debug' : 'warn';
      host.logger[level]({ method: call.method, err: safeErr(value) }, isRequest ? 'request handler failed' : 'notification handler failed');
    }
    if (isRequest && !call.answered) {
      const id = call.id as RequestId | null;
      const message =
        call.aborted || host.closed ? undefined : ok ? buildResult(host.versionKey, id, value) : buildError(host.versionKey, id, toWireError(value));
      this.answer(call, message);
    }
    this.pump(q);
    this.maybeIdle();
  }

  /**
   * Starts waiting calls while slots are free (and, for requests, while the
   * write side is not congested). Re-entrant calls from handlers that settle
   * synchronously return at once: the outer loop goes on, so a long run of
   * synchronous handlers does not grow the stack.
   */
  private pump(q: WorkQueue): void {
    if (q.pumping) return;
    q.pumping = true;
    let skipped = false;
    while (q.active < q.limit && q.size > 0 && !(q.gated && this.host.congested)) {
      const call = q.shift();
      if (call.answered) {
        // Cancelled while it waited: it never runs.
        this.untrack(call);
        skipped = true;
      } else this.start(q, call);
    }
    q.pumping = false;
    if (skipped) this.maybeIdle();
    const half = this.host.maxQueued >> 1;
    if (this.readingPaused && (this.requestQueue?.size ?? 0) <= half && (this.notificationQueue?.size ?? 0) <= half) this.resume();
  }

  private resume(): void {
    this.readingPaused = false;
    if (!this.host.closed) this.host.resumeReading();
  }

  private maybeIdle(): void {
    if (this.idleWaiters !== undefined && this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = undefined;
      for (const w of waiters) w();
    }
  }

  private isIdle(): boolean {
    return this.running === 0 && (this.requestQueue?.size ?? 0) === 0 && (this.notificationQueue?.size ?? 0) === 0;
  }
}
