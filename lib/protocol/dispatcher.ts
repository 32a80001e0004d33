/**
 * Routes every decoded incoming value: responses to the pending table,
 * requests and notifications to handlers (interleaved or one at a time),
 * batches element by element with one batched answer.
 *
 * It owns ordering and the request → response contract. It does not own the
 * stream, the codec, or how handlers are found: the peer supplies those
 * through {@link DispatchHost}.
 */
import type { ConnectionLogger } from '../logger';
import { ErrorCodes, InvalidRequest, MethodNotFound, PeerError, toWireError } from '../errors';
import { buildError, buildResult, classify, Incoming, Params, RequestId } from './messages';
import { PendingRequests } from './pending';

/** A handler found by wire name, ready to call. */
export interface ResolvedHandler {
  readonly kind: 'request' | 'notification';
  /** True when the handler takes an `RpcContext` (only then is one created). */
  readonly withContext: boolean;
  /**
   * Calls the handler with wire params. May throw `InvalidParams`
   * synchronously (bad arity or names) or return a value or a promise.
   * `context` is what `@rpc*` handlers receive first.
   */
  invoke(params: Params | undefined, context: HandlerContext): unknown;
}

/** What the dispatcher tracks per running handler. */
export interface HandlerContext {
  /** Set by `closeAfterResponse()`: close once this request's response is written. */
  closeAfterResponseRequested: boolean;
  /** Set by `abort()`: discard the result, the connection is closing. */
  aborted: boolean;
}

/** What the dispatcher needs from the peer. */
export interface DispatchHost {
  readonly versionKey: string;
  readonly pending: PendingRequests;
  readonly logger: ConnectionLogger;
  /** Request handlers that may run at once (1 = serial, in arrival order). */
  readonly requestConcurrency: number;
  /** Notification handlers that may run at once (1 = serial, in arrival order). */
  readonly notificationConcurrency: number;
  /** Messages that may wait for a slot before reading pauses. */
  readonly maxQueued: number;
  /** Most elements in one batch. */
  readonly maxBatchLength: number;
  /** True while the stream's write buffer is over its mark: new requests wait. */
  readonly congested: boolean;
  /** Stops reading the stream (too much is queued); `resumeReading` undoes it. */
  pauseReading(): void;
  /** Resumes reading after `pauseReading`. */
  resumeReading(): void;
  /** Finds a handler by wire name; undefined when none. */
  resolve(method: string): ResolvedHandler | undefined;
  /** Creates the context a handler receives. */
  createContext(method: string, id: RequestId | null | undefined): HandlerContext;
  /** Writes one message or a batch array. */
  send(message: unknown): void;
  /** True once the connection is closed: results are dropped. */
  readonly closed: boolean;
  /** Closes the connection (after `closeAfterResponse`). */
  close(reason: string): void;
  /** Reports a protocol problem the user may want to see (emitted or logged). */
  report(error: Error): void;
}

type Reply = Record<string, unknown> | undefined;

/**
 * What is logged for a thrown value: the value itself when its message and
 * stack can be read, else a placeholder (a hostile getter must not throw
 * from the logger).
 */
function safeErr(value: unknown): unknown {
  try {
    if (value instanceof Error) void (value.message + String(value.stack));
    else void String(value);
    return value;
  } catch {
    return 'unprintable thrown value';
  }
}

const NO_CONTEXT: HandlerContext = Object.freeze({ closeAfterResponseRequested: false, aborted: false });
/** Receives a message's reply (or undefined) once; `closeAfter` asks to close once it is written. */
type Done = (reply: Reply, closeAfter?: boolean) => void;
type Task = (onSettled: () => void) => void;

/**
 * Tasks admitted up to `limit` at a time, the rest waiting in FIFO order.
 * Serial dispatch is a limit of 1. O(1) shift: a flood can queue many.
 */
class WorkQueue {
  active = 0;
  pumping = false;
  private items: Task[] = [];
  private head = 0;
  /** Frees a slot once a task's handler settled; one function per queue, not per message. */
  readonly release: () => void;
  constructor(readonly limit: number, pump: (q: WorkQueue) => void) {
    this.release = () => {
      this.active--;
      pump(this);
    };
  }
  get size(): number {
    return this.items.length - this.head;
  }
  push(task: Task): void {
    this.items.push(task);
  }
  /** Empties the queue; returns how many tasks were dropped. */
  clear(): number {
    const n = this.size;
    this.items = [];
    this.head = 0;
    return n;
  }
  shift(): Task {
    const task = this.items[this.head];
    this.items[this.head++] = undefined as unknown as Task;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return task;
  }
}

/** Dispatches incoming messages for one connection. */
export class Dispatcher {
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly requestQueue: WorkQueue;
  private readonly notificationQueue: WorkQueue;
  private readingPaused = false;

  constructor(private readonly host: DispatchHost) {
    this.requestQueue = new WorkQueue(host.requestConcurrency, (q) => this.pump(q));
    this.notificationQueue = new WorkQueue(host.notificationConcurrency, (q) => this.pump(q));
  }

  /**
   * Forgets every message still waiting for a slot: the connection closed,
   * so they will never run (handlers already running finish on their own).
   */
  dropQueued(): void {
    const dropped = this.requestQueue.clear() + this.notificationQueue.clear();
    if (dropped > 0) this.host.logger.debug({ dropped }, 'queued messages dropped on close');
    this.maybeIdle();
  }

  /** Starts waiting requests once the stream drained. */
  drained(): void {
    this.pump(this.requestQueue);
  }

  /** Handlers currently running (queued ones excluded). */
  get runningHandlers(): number {
    return this.running;
  }

  /** Resolves once no handler is running or queued. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Handles one decoded payload: a message object or a batch array. */
  dispatch(value: unknown): void {
    if (Array.isArray(value)) this.dispatchBatch(value);
    else this.dispatchOne(classify(value, this.host.versionKey), this.sendReply);
  }

  private readonly sendReply: Done = (reply, closeAfter) => {
    if (reply) this.host.send(reply);
    if (closeAfter) this.host.close('closeAfterResponse() after responding');
  };

  /** Answers a payload that could not be parsed (-32700, id null). */
  parseError(detail: string): void {
    this.host.send(buildError(this.host.versionKey, null, { code: ErrorCodes.ParseError, message: 'Parse error', data: detail }));
  }

  private dispatchBatch(items: unknown[]): void {
    const vk = this.host.versionKey;
    if (items.length === 0 || items.length > this.host.maxBatchLength) {
      const why = items.length === 0 ? 'empty batch' : `batch of ${items.length} exceeds maxBatchLength ${this.host.maxBatchLength}`;
      this.host.logger.debug({ length: items.length }, why);
      this.host.send(buildError(vk, null, new InvalidRequest(undefined, why).toJSON()));
      return;
    }
    const replies: Reply[] = new Array(items.length);
    let outstanding = items.length;
    let closeAfter = false;
    const settle = (i: number): Done => (reply, close) => {
      replies[i] = reply;
      if (close) closeAfter = true;
      if (--outstanding === 0) {
        const out = replies.filter((r) => r !== undefined);
        // A batch of notifications (or of responses) is answered with nothing at all;
        // a closeAfterResponse() inside the batch waits for the whole answer.
        this.sendReply(out.length > 0 ? (out as unknown as Reply) : undefined, closeAfter);
      }
    };
    for (let i = 0; i < items.length; i++) this.dispatchOne(classify(items[i], vk), settle(i));
  }

  /** Handles one classified message; `done` receives its reply (or undefined) exactly once. */
  private dispatchOne(msg: Incoming, done: Done): void {
    const { host } = this;
    switch (msg.kind) {
      case 'response':
        if (msg.id === null || !host.pending.resolve(msg.id, msg.result)) this.unmatched(msg.id);
        return done(undefined);
      case 'error-response':
        if (msg.id === null || !host.pending.rejectWithWireError(msg.id, msg.error)) {
          if (msg.id === null) host.report(PeerError.fromWire(msg.error));
          else this.unmatched(msg.id);
        }
        return done(undefined);
      case 'bad-response':
        host.logger.warn({ reason: msg.reason }, 'dropped a malformed response');
        return done(undefined);
      case 'invalid':
        host.logger.debug({ reason: msg.reason }, 'invalid request');
        return done(buildError(host.versionKey, msg.id, new InvalidRequest(undefined, msg.reason).toJSON()));
      case 'notification':
        this.notification(msg.method, msg.params);
        return done(undefined);
      case 'request':
        return this.request(msg.method, msg.params, msg.id, done);
    }
  }

  private unmatched(id: RequestId | null): void {
    // Late answers after a timeout or an abort land here; that is normal.
    this.host.logger.debug({ id }, 'response to no pending request dropped');
  }

  private request(method: string, params: Params | undefined, id: RequestId | null, done: Done): void {
    const handler = this.host.resolve(method);
    if (!handler || handler.kind !== 'request') {
      this.host.logger.debug({ method }, 'method not found');
      return done(buildError(this.host.versionKey, id, new MethodNotFound().toJSON()));
    }
    const q = this.requestQueue;
    // Fast path: a free slot and nobody waiting: run now, no closure, no queue bookkeeping.
    if (this.canStart(q)) {
      q.active++;
      this.run(method, id, handler, params, done, q.release);
    } else this.enqueue(q, (settled) => this.run(method, id, handler, params, done, settled));
  }

  private notification(method: string, params: Params | undefined): void {
    const handler = this.host.resolve(method);
    if (!handler || handler.kind !== 'notification') {
      this.host.logger.warn({ method }, 'notification to no notification handler dropped');
      return;
    }
    const q = this.notificationQueue;
    if (this.canStart(q)) {
      q.active++;
      this.run(method, undefined, handler, params, undefined, q.release);
    } else this.enqueue(q, (settled) => this.run(method, undefined, handler, params, undefined, settled));
  }

  /** True when a message may start now: a free slot, nobody waiting before it, and (for requests) no congestion. */
  private canStart(q: WorkQueue): boolean {
    return q.size === 0 && q.active < q.limit && !q.pumping && !(q === this.requestQueue && this.host.congested);
  }

  /**
   * Queues a task that could not start at once. A queue past `maxQueued`
   * pauses reading: the kernel's buffers then push back on a peer that
   * floods.
   */
  private enqueue(q: WorkQueue, task: Task): void {
    q.push(task);
    this.pump(q);
    if (q.size >= this.host.maxQueued && !this.readingPaused) {
      this.readingPaused = true;
      this.host.logger.debug({ queued: q.size }, 'too many messages waiting; reading paused');
      this.host.pauseReading();
    }
  }

  /**
   * Runs one handler. Sync results are answered in the same tick (the
   * common fast path: no promise is created); thenables when they settle.
   * `done` is undefined for notifications.
   */
  private run(method: string, id: RequestId | null | undefined, handler: ResolvedHandler, params: Params | undefined, done: Done | undefined, settled: (() => void) | undefined): void {
    // Plain handlers never see a context, so they share one whose flags stay false.
    const ctx = handler.withContext ? this.host.createContext(method, id) : NO_CONTEXT;
    this.running++;
    let result: unknown;
    try {
      result = handler.invoke(params, ctx);
    } catch (err) {
      this.finish(method, id, ctx, false, err, done, settled);
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      Promise.resolve(result as PromiseLike<unknown>)
        .then(
          (value) => this.finish(method, id, ctx, true, value, done, settled),
          (err) => this.finish(method, id, ctx, false, err, done, settled),
        )
        // finish() is written not to throw; this is the last guard against an unhandled rejection.
        .then(undefined, (err) => this.host.logger.error({ method, err: safeErr(err) }, 'internal error after a handler settled'));
    } else {
      this.finish(method, id, ctx, true, result, done, settled);
    }
  }

  private finish(method: string, id: RequestId | null | undefined, ctx: HandlerContext, ok: boolean, value: unknown, done: Done | undefined, settled: (() => void) | undefined): void {
    this.running--;
    const { host } = this;
    if (!ok) {
      // A caller learns of its own bad request from the answer; anything else is worth a warning.
      // A handler stopped by the connection closing is no news either: nobody can receive its answer.
      const level = (done && value instanceof PeerError) || host.closed ? 'debug' : 'warn';
      host.logger[level]({ method, err: safeErr(value) }, done ? 'request handler failed' : 'notification handler failed');
    }
    if (done && !ctx.aborted && !host.closed) {
      const rid = id as RequestId | null;
      done(ok ? buildResult(host.versionKey, rid, value) : buildError(host.versionKey, rid, toWireError(value)), ctx.closeAfterResponseRequested);
    } else if (done) {
      done(undefined);
    }
    if (settled) settled();
    this.maybeIdle();
  }

  /**
   * Starts waiting tasks while slots are free (and, for requests, while the
   * stream is not congested). Re-entrant calls from tasks that settle
   * synchronously only free their slot: the outer loop goes on, so a long
   * run of synchronous handlers does not grow the stack.
   */
  private pump(q: WorkQueue): void {
    if (q.pumping) return;
    q.pumping = true;
    const gated = q === this.requestQueue;
    while (q.active < q.limit && q.size > 0 && !(gated && this.host.congested)) {
      const task = q.shift();
      q.active++;
      task(q.release);
    }
    q.pumping = false;
    if (this.readingPaused && this.requestQueue.size + this.notificationQueue.size <= this.host.maxQueued >> 1) {
      this.readingPaused = false;
      this.host.resumeReading();
    }
  }

  private maybeIdle(): void {
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private isIdle(): boolean {
    return this.running === 0 && this.requestQueue.size === 0 && this.notificationQueue.size === 0;
  }
}
