/**
 * One incoming request or notification, from the moment it is routed until
 * its handler settles: the record the scheduler queues and runs, that
 * cancellation finds by id, and (as the peer layer's `RpcContext`, which
 * extends it) what `@rpc*` handlers receive first.
 *
 * Its fields are all set in the constructor so that every call has one fast
 * object shape; the `AbortController` behind `signal` is made only when
 * someone reads `signal`.
 */
import type { Deadline } from './deadline';
import type { Params, RequestId } from './messages';

/** Whether a call expects an answer. */
export type CallKind = 'request' | 'notification';

/** A handler found by wire name, ready to call. */
export interface ResolvedHandler {
  readonly kind: CallKind;
  /** True when the handler takes the call (its `RpcContext`) as its first argument. */
  readonly withContext: boolean;
  /**
   * Calls the handler with wire params. May throw `InvalidParams`
   * synchronously (bad arity or names) or return a value or a promise.
   */
  invoke(params: Params | undefined, call: Call): unknown;
}

/**
 * Receives a request's answer exactly once: the response (or `undefined`
 * when there is nothing to send, e.g. the connection closed), and whether
 * to close once it is written.
 */
export type Reply = (message: Record<string, unknown> | undefined, closeAfter?: boolean) => void;

/** One incoming request or notification and its state. */
export class Call {
  /** @internal made on first read of `signal` */
  controller: AbortController | undefined = undefined;
  /** @internal why the call was aborted (connection closed, cancelled), once it was */
  abortReason: unknown = undefined;
  /** @internal set by `closeAfterResponse()`: close once this request's response is written */
  closeAfterResponseRequested = false;
  /** @internal set by `abort()`: discard the result, the connection is closing */
  aborted = false;
  /** @internal true once the reply was given (by the handler's result, an early error, or a drop) */
  answered = false;
  /** @internal true while the handler occupies one of its kind's concurrency slots */
  holdsSlot = false;
  /** @internal the key under which the scheduler tracks this call while it is queued or running async */
  liveKey: RequestId | Call | undefined = undefined;
  /** @internal the caller's deadline, when the request carried a budget (see deadline.ts) */
  deadline: Deadline | undefined = undefined;

  /** @internal */
  constructor(
    /** `'request'` (answered) or `'notification'` (not). */
    readonly kind: CallKind,
    /** The wire name of the method being handled. */
    readonly method: string,
    /** The request id (`null` when the peer sent `"id": null`), or `undefined` for a notification. */
    readonly id: RequestId | null | undefined,
    /** The params exactly as they came off the wire. */
    readonly params: Params | undefined,
    /** @internal */
    readonly handler: ResolvedHandler,
    /** @internal where the answer goes: the connection, or a batch's slot */
    readonly reply: Reply | undefined,
  ) {}

  /**
   * Aborts when this call is cancelled or the connection closes, so long
   * work can stop early. Its `reason` says which.
   */
  get signal(): AbortSignal {
    let controller = this.controller;
    if (controller === undefined) {
      controller = this.controller = new AbortController();
      if (this.abortReason !== undefined) controller.abort(this.abortReason);
    }
    return controller.signal;
  }

  /** Aborts the call's signal with `reason` (now, or when `signal` is first read). Only the first reason counts. @internal */
  abortSignal(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}
