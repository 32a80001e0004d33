/**
 * The context of one incoming call: what an `@rpcRequest` /
 * `@rpcNotification` handler receives first, and what `currentContext()`
 * gives a plain handler. It is the call's own record (a protocol `Call`),
 * with the peer's calling side on top, so a handler's way back to its
 * caller costs no forwarding object.
 */
import { Call, CallKind, Reply, ResolvedHandler } from '../protocol/call';
import type { Params, RequestId } from '../protocol/messages';
import { currentCall } from '../protocol/invoke';
import type { BatchBuilder, BatchProxy } from './batch';
import type { RpcPeer } from './peer';
import { CallOptions, Caller, createPeerProxy, PeerProxy, ProxyOptions } from './proxy';

const NO_OPTIONS: CallOptions = Object.freeze({});

/**
 * Given to `@rpc*` handlers as their first argument. Offers everything a
 * peer offers for calling the other side, plus control over this call.
 */
export class RpcContext extends Call implements Caller {
  /** @internal */
  constructor(
    /** @internal */
    readonly peer: RpcPeer,
    kind: CallKind,
    method: string,
    id: RequestId | null | undefined,
    params: Params | undefined,
    handler: ResolvedHandler,
    reply: Reply | undefined,
  ) {
    super(kind, method, id, params, handler, reply);
    this.joinedSignal = undefined;
  }

  /** Made on first read of `signal`. */
  private joinedSignal: AbortSignal | undefined;

  /** Closes the connection right after this request's response is written. */
  closeAfterResponse(): void {
    this.closeAfterResponseRequested = true;
  }

  /**
   * Aborts when this call is cancelled or the connection closes, so long
   * work can stop early. Its `reason` says which.
   */
  override get signal(): AbortSignal {
    // The call's own signal (cancellation, and close while it runs) joined
    // with the connection's: a handler that keeps its context past its
    // return, to clean up when the connection goes, still hears of it.
    return (this.joinedSignal ??= AbortSignal.any([super.signal, this.peer.signal]));
  }

  /**
   * ms until the caller's deadline, when its request carried one (a bsonrpc
   * caller with `sendDeadline`); `undefined` when it did not; 0 once passed.
   * Calls made through this context are held to it already; to hold a call
   * to another peer to it too, pass it on with the signal:
   * `other.sendRequest(m, p, { timeout: rpc.timeLeft, signal: rpc.signal })`
   * (the signal covers a deadline that has passed, as a `timeout` of 0 means none).
   */
  get timeLeft(): number | undefined {
    const deadline = this.deadline;
    return deadline === undefined ? undefined : Math.max(0, Math.ceil(deadline.at - performance.now()));
  }

  /** The `clientInfo` option given to the peer. */
  get clientInfo(): unknown {
    return this.peer.clientInfo;
  }

  /** Closes the connection now; this handler's result is discarded. */
  abort(): void {
    this.aborted = true;
    this.peer.close();
  }

  // Requests go through the connection with this call attached, so that
  // the handler may give up its slot while it awaits the answer (see
  // Scheduler.awaitingAnswer): calling back through the context, rather
  // than through a peer kept elsewhere, is what keeps mutual callbacks
  // from deadlocking.

  /** @inheritdoc */
  invokeRequest(method: string, ...args: unknown[]): Promise<unknown> {
    return this.peer.connection.request(method, this.peer.argsToParams(args), NO_OPTIONS, this);
  }
  /** @inheritdoc */
  invokeNotification(method: string, ...args: unknown[]): void {
    this.peer.invokeNotification(method, ...args);
  }
  /** @inheritdoc */
  sendRequest(method: string, params?: Params, options: CallOptions = NO_OPTIONS): Promise<unknown> {
    return this.peer.connection.request(method, params, options, this);
  }
  /** @inheritdoc */
  sendNotification(method: string, params?: Params): void {
    this.peer.sendNotification(method, params);
  }
  /** @inheritdoc */
  getPeerProxy<T = any>(options?: ProxyOptions): PeerProxy<T> {
    return createPeerProxy(this, options, (args) => this.peer.argsToParams(args));
  }
  /** Sends a JSON-RPC batch to the caller (JsonRpc only; BsonRpc has no batches). */
  batchCall<T = any>(build: BatchBuilder<T> | ((b: BatchProxy<T>) => void), options?: { timeout?: number }): Promise<unknown[] | null> {
    return this.peer.sendBatch(build, options, this);
  }
}

/**
 * The context of the call whose handler is running right now, for handlers
 * declared without one (`@request`, `@notification`): read it
 * synchronously, before the handler's first `await`, and keep it.
 *
 * ```ts
 * @request async crunch(n: number) {
 *   const { signal } = currentContext()!; // first line: before any await
 *   for (let i = 0; i < n && !signal.aborted; i++) await step(i);
 * }
 * ```
 *
 * Returns `undefined` outside a handler's synchronous part.
 */
export function currentContext(): RpcContext | undefined {
  const call = currentCall();
  return call instanceof RpcContext ? call : undefined;
}
