/**
 * The context an `@rpcRequest` / `@rpcNotification` handler receives first:
 * the way back to its caller while it runs.
 */
import type { HandlerContext } from '../protocol/dispatcher';
import type { Params, RequestId } from '../protocol/messages';
import type { BatchBuilder, BatchProxy } from './batch';
import type { CallOptions, Caller, PeerProxy, ProxyOptions } from './proxy';

/** What a context needs from its peer. @internal */
export interface ContextHost extends Caller {
  readonly clientInfo: unknown;
  readonly signal: AbortSignal;
  close(): void;
  batchCall(build: BatchBuilder | ((b: BatchProxy) => void), options?: { timeout?: number }): Promise<unknown[] | null>;
}

/**
 * The context host of a peer: explicit delegates to `peer` plus its batch
 * sender. (A prototype-linked object would be shorter, but state written
 * through it, such as the next request id, would land on the delegate
 * instead of the peer.) @internal
 */
export function delegateTo(
  peer: Omit<ContextHost, 'batchCall'>,
  sendBatch: ContextHost['batchCall'],
): ContextHost {
  return {
    get clientInfo() {
      return peer.clientInfo;
    },
    get signal() {
      return peer.signal;
    },
    close: () => peer.close(),
    invokeRequest: (method, ...args) => peer.invokeRequest(method, ...args),
    invokeNotification: (method, ...args) => peer.invokeNotification(method, ...args),
    sendRequest: (method, params, options) => peer.sendRequest(method, params, options),
    sendNotification: (method, params) => peer.sendNotification(method, params),
    getPeerProxy: (options) => peer.getPeerProxy(options),
    batchCall: sendBatch,
  };
}

/**
 * Given to `@rpc*` handlers as their first argument. Offers everything a
 * peer offers for calling the other side, plus control over this request.
 */
export class RpcContext implements Caller, HandlerContext {
  /** @internal read by the dispatcher once the handler settles */
  closeAfterResponseRequested = false;
  /** @internal read by the dispatcher once the handler settles */
  aborted = false;

  /** @internal */
  constructor(
    private readonly peer: ContextHost,
    /** The wire name of the method being handled. */
    readonly method: string,
    /** The request id, or `undefined` for a notification. */
    readonly id: RequestId | null | undefined,
  ) {}

  /** Closes the connection right after this request's response is written. */
  closeAfterResponse(): void {
    this.closeAfterResponseRequested = true;
  }

  /** The `clientInfo` option given to the peer. */
  get clientInfo(): unknown {
    return this.peer.clientInfo;
  }

  /** Fires when the connection closes, so long work can stop. */
  get signal(): AbortSignal {
    return this.peer.signal;
  }

  /** Closes the connection now; this handler's result is discarded. */
  abort(): void {
    this.aborted = true;
    this.peer.close();
  }

  /** @inheritdoc */
  invokeRequest(method: string, ...args: unknown[]): Promise<unknown> {
    return this.peer.invokeRequest(method, ...args);
  }
  /** @inheritdoc */
  invokeNotification(method: string, ...args: unknown[]): void {
    this.peer.invokeNotification(method, ...args);
  }
  /** @inheritdoc */
  sendRequest(method: string, params?: Params, options?: CallOptions): Promise<unknown> {
    return this.peer.sendRequest(method, params, options);
  }
  /** @inheritdoc */
  sendNotification(method: string, params?: Params): void {
    this.peer.sendNotification(method, params);
  }
  /** @inheritdoc */
  getPeerProxy<T = any>(options?: ProxyOptions): PeerProxy<T> {
    return this.peer.getPeerProxy<T>(options);
  }
  /** Sends a JSON-RPC batch to the caller (JsonRpc only; BsonRpc has no batches). */
  batchCall(build: BatchBuilder | ((b: BatchProxy) => void), options?: { timeout?: number }): Promise<unknown[] | null> {
    return this.peer.batchCall(build, options);
  }
}
