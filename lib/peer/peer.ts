/**
 * The symmetric peer over one Duplex: reads frames, decodes them, hands
 * them to the dispatcher, and offers the calling side (requests,
 * notifications, proxies). `JsonRpc` and `BsonRpc` differ only in codec,
 * framing and batches.
 *
 * Lifecycle: open → closed, once. Whatever closes it (`close()`, the stream
 * ending or failing, bad input that cannot be resynchronised) takes the same
 * path: every pending request rejects with `ConnectionClosedError`, handler
 * signals abort, `'close'` is emitted once.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { MessageCodec } from '../codec/codec';
import { findExcessiveNesting } from '../codec/depth';
import { ConnectionClosedError, EncodingError, InternalError, TooManyPendingRequests, connSuffix } from '../errors';
import type { FrameDecoder, Framing } from '../framing/framing';
import { connectionLogger } from '../logger';
import { DispatchHost, Dispatcher, ResolvedHandler } from '../protocol/dispatcher';
import { buildCall, buildError, Params, RequestId } from '../protocol/messages';
import { PendingRequests } from '../protocol/pending';
import { bindParams, handlerTable, HandlerSpec, isServiceInstance } from '../service/registry';
import type { BatchBuilder, BatchProxy } from './batch';
import { ContextHost, RpcContext } from './context';
import { PeerOptions, resolveOptions, ResolvedOptions } from './options';
import { CallOptions, Caller, createPeerProxy, PeerProxy, ProxyOptions } from './proxy';

/** The wire-format parts a concrete peer plugs in. @internal */
export interface WireParts {
  codec: MessageCodec;
  framing: Framing;
  /** True when a payload that fails to decode can be answered with -32700 and reading go on. */
  resyncOnDecodeError: boolean;
  /** True when payloads are JSON text whose nesting is checked before parsing. */
  checkNesting: boolean;
}

/** How long `close()` lets queued bytes drain before destroying the stream. */
const CLOSE_DRAIN_MS = 2000;

/** The events a peer emits. */
export interface PeerEvents {
  /** The connection closed (either side, or bad input). Emitted once. */
  close: [reason: string];
  /** A protocol problem worth knowing about (an id-less error response, a framing error). */
  error: [error: Error];
}

/**
 * Shared implementation of `JsonRpc` and `BsonRpc`. Not constructed directly.
 */
export abstract class RpcPeer extends EventEmitter implements Caller {
  /** The connection's logger: `options.logger.child({ connectionId })`. */
  readonly logger: Logger;
  /** @internal */ protected readonly options: ResolvedOptions;
  /** @internal */ protected readonly pending: PendingRequests;
  /** @internal */ protected readonly codec: MessageCodec;
  private readonly framing: Framing;
  private readonly decoder: FrameDecoder;
  private readonly dispatcher: Dispatcher;
  private readonly services: object | undefined;
  private readonly handlers: ReadonlyMap<string, HandlerSpec> | undefined;
  private readonly resolved = new Map<string, ResolvedHandler | null>();
  /** Created on first use of `signal`: most connections never ask, and close() is then cheaper. */
  private abortController: AbortController | undefined;
  private readonly resyncOnDecodeError: boolean;
  private readonly checkNesting: boolean;
  private closeReason: string | undefined;
  private nextId = 1;
  private corked = false;
  private congested = false;
  private framesReceived = 0;
  private partialFrameTimer: NodeJS.Timeout | undefined;
  private closedPromise: Promise<void>;
  private markClosed!: () => void;

  /** @internal */
  protected constructor(
    /** The stream this peer owns: `close()` ends it. */
    protected readonly socket: Duplex,
    services: object | undefined | null,
    options: PeerOptions,
    parts: WireParts,
  ) {
    super();
    if (services !== undefined && services !== null && !isServiceInstance(services)) {
      throw new TypeError('services must be an instance of a @serviceClass class');
    }
    if (!socket || typeof socket.write !== 'function' || typeof socket.on !== 'function') {
      throw new TypeError('socket must be a Duplex stream');
    }
    this.options = resolveOptions(options);
    this.logger = connectionLogger(options.logger, this.options.connectionId);
    this.services = services ?? undefined;
    this.handlers = this.services ? handlerTable(this.services) : undefined;
    this.codec = parts.codec;
    this.framing = parts.framing;
    this.resyncOnDecodeError = parts.resyncOnDecodeError;
    this.checkNesting = parts.checkNesting;
    this.decoder = this.framing.createDecoder({ maxMessageSize: this.options.maxMessageSize });
    this.pending = new PendingRequests(this.options.connectionId);
    this.dispatcher = new Dispatcher(this.dispatchHost());
    this.closedPromise = new Promise((resolve) => (this.markClosed = resolve));

    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onStreamClose);
    socket.on('error', this.onStreamError);
    if (socket.destroyed) queueMicrotask(() => this.shutdown('stream already destroyed'));
  }

  /** True once the connection is closed, by either side. */
  get isClosed(): boolean {
    return this.closeReason !== undefined;
  }

  /** The `clientInfo` option. */
  get clientInfo(): unknown {
    return this.options.clientInfo;
  }

  /** Aborts when the connection closes. */
  get signal(): AbortSignal {
    if (!this.abortController) {
      this.abortController = new AbortController();
      if (this.closeReason !== undefined) this.abortController.abort(new ConnectionClosedError(`connection closed (${this.closeReason})`));
    }
    return this.abortController.signal;
  }

  /** Counts for monitoring and leak checks: own requests awaiting answers, handlers running now. */
  stats(): { pendingRequests: number; runningHandlers: number } {
    return { pendingRequests: this.pending.size, runningHandlers: this.dispatcher.runningHandlers };
  }

  /** Sends a request with positional params; resolves to the result. */
  invokeRequest(method: string, ...args: unknown[]): Promise<unknown> {
    return this.sendRequest(method, this.argsToParams(args));
  }

  /** Sends a notification with positional params. Throws `ConnectionClosedError` once closed. */
  invokeNotification(method: string, ...args: unknown[]): void {
    this.sendNotification(method, this.argsToParams(args));
  }

  /**
   * Sends a request. `params` is an array (positional) or a plain object
   * (named). Resolves to the result; rejects with the `PeerError` subclass
   * of an error response, `ResponseTimeout`, `ConnectionClosedError`, the
   * signal's reason, or `EncodingError` (then nothing was sent).
   */
  sendRequest(method: string, params?: Params, options: CallOptions = {}): Promise<unknown> {
    if (this.closeReason !== undefined) return Promise.reject(this.closedError(method));
    let frame: Buffer;
    let id: RequestId;
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    try {
      this.checkPendingLimit(method, 1);
      checkCall(method, params);
      id = this.newId();
      frame = this.encodeFrame(buildCall(this.codec.versionKey, method, params, id));
    } catch (err) {
      return Promise.reject(err);
    }
    const result = this.pending.add(id, method, { timeout: options.timeout ?? this.options.timeout, signal: options.signal });
    this.write(frame);
    return result;
  }

  /** Sends a notification with params an array or a plain object. Throws `ConnectionClosedError` once closed. */
  sendNotification(method: string, params?: Params): void {
    if (this.closeReason !== undefined) throw this.closedError(method);
    checkCall(method, params);
    this.write(this.encodeFrame(buildCall(this.codec.versionKey, method, params)));
  }

  /**
   * A proxy over the other side: `proxy.m(...)` sends a request,
   * `proxy.n.m(...)` a notification. Type it with the other side's service
   * class: `getPeerProxy<ServerServices>()`.
   */
  getPeerProxy<T = any>(options?: ProxyOptions): PeerProxy<T> {
    return createPeerProxy(this, options, (args) => this.argsToParams(args));
  }

  /** Closes the connection. Pending requests reject with `ConnectionClosedError`. Safe to call twice. */
  close(): void {
    this.shutdown('closed by this side');
  }

  /**
   * Resolves `true` once the connection is closed and every running handler
   * has finished; `false` if `timeoutMs` passes first.
   */
  join(timeoutMs?: number): Promise<boolean> {
    const done = this.closedPromise.then(() => this.dispatcher.whenIdle()).then(() => true);
    if (timeoutMs === undefined) return done;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
  }

  /**
   * Sends a batch: JsonRpc overrides this. Not part of the public type of
   * `RpcPeer` or `BsonRpc`; untyped callers on a BSON peer get this error.
   * @internal
   */
  protected sendBatch(_build: BatchBuilder | ((b: BatchProxy) => void), _options?: { timeout?: number }): Promise<unknown[] | null> {
    throw new TypeError('BsonRpc has no batches: BSON-RPC carries one document per message (use JsonRpc for batches)');
  }

  override emit<K extends keyof PeerEvents>(event: K, ...args: PeerEvents[K]): boolean;
  override emit(event: string | symbol, ...args: unknown[]): boolean;
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    return super.emit(event, ...args);
  }

  override on<K extends keyof PeerEvents>(event: K, listener: (...args: PeerEvents[K]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  // ---- internals shared with subclasses ------------------------------------------------------

  /** Positional args → params, honouring `noArgumentsPresentation`. @internal */
  protected argsToParams(args: unknown[]): Params | undefined {
    if (args.length > 0) return args;
    switch (this.options.noArgumentsPresentation) {
      case 'omit':
        return undefined;
      case 'emptyArray':
        return [];
      case 'emptyObject':
        return {};
    }
  }

  /** Throws `TooManyPendingRequests` when `count` more would pass `maxPendingRequests`. @internal */
  protected checkPendingLimit(method: string, count: number): void {
    const limit = this.options.maxPendingRequests;
    if (this.pending.size + count > limit) throw new TooManyPendingRequests(method, limit, this.options.connectionId);
  }

  /** A fresh request id, never one still pending. @internal */
  protected newId(): RequestId {
    const gen = this.options.idGenerator;
    if (!gen) return this.nextId++;
    const id = gen();
    if (!((typeof id === 'string') || Number.isSafeInteger(id))) {
      throw new TypeError(`idGenerator returned ${String(id)}: ids must be strings or safe integers`);
    }
    if (this.pending.has(id)) throw new TypeError(`idGenerator returned ${String(id)}, which is still pending`);
    return id;
  }

  /** Encodes a message into a frame; `EncodingError` when it cannot be carried. @internal */
  protected encodeFrame(message: unknown): Buffer {
    return this.framing.encode(this.codec.encode(message));
  }

  /**
   * Writes a frame. Writes made in one tick are corked and leave in one
   * `writev` when the tick ends: a burst of calls costs one syscall.
   * @internal
   */
  protected write(frame: Buffer): void {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(this.uncork);
    }
    if (!socket.write(frame) && !this.congested) {
      this.congested = true;
      socket.once('drain', this.onDrain);
    }
    if (socket.writableLength > this.options.maxWriteBuffer) {
      this.fail(new Error(`${socket.writableLength} bytes queued, over maxWriteBuffer ${this.options.maxWriteBuffer}`), 'the peer is not reading');
    }
  }

  private readonly onDrain = (): void => {
    this.congested = false;
    this.dispatcher.drained();
  };

  /** The error for a call on a closed connection. @internal */
  protected closedError(method: string): ConnectionClosedError {
    return new ConnectionClosedError(`cannot call "${method}": connection closed (${this.closeReason})${connSuffix(this.options.connectionId)}`);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  // ---- reading --------------------------------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    if (this.closeReason !== undefined) return;
    const framesBefore = this.framesReceived;
    try {
      this.decoder.push(chunk, this.onFrame);
    } catch (err) {
      this.fail(err, 'unreadable input from the peer');
      return;
    }
    // A frame begun must finish within partialFrameTimeout (slow-loris guard).
    if (this.decoder.bufferedBytes > 0) {
      // A frame completed in this chunk: the one now pending began here, so its clock restarts.
      if (this.partialFrameTimer && this.framesReceived !== framesBefore) this.partialFrameTimer.refresh();
      else if (!this.partialFrameTimer && this.options.partialFrameTimeout > 0 && this.closeReason === undefined) {
        this.partialFrameTimer = setTimeout(this.onPartialFrameTimeout, this.options.partialFrameTimeout);
        this.partialFrameTimer.unref();
      }
    } else if (this.partialFrameTimer) {
      clearTimeout(this.partialFrameTimer);
      this.partialFrameTimer = undefined;
    }
  };

  private readonly onPartialFrameTimeout = (): void => {
    this.partialFrameTimer = undefined;
    const ms = this.options.partialFrameTimeout;
    this.fail(new Error(`${this.decoder.bufferedBytes} bytes of a frame not completed within ${ms} ms`), 'partial frame timeout');
  };

  private readonly onFrame = (payload: Buffer): void => {
    if (this.closeReason !== undefined) return;
    this.framesReceived++;
    let value: unknown;
    if (this.checkNesting && findExcessiveNesting(payload, this.options.maxNestingDepth) >= 0) {
      this.logger.warn({ bytes: payload.length }, 'message nested deeper than maxNestingDepth; answered -32700');
      this.dispatcher.parseError(`nesting deeper than ${this.options.maxNestingDepth}`);
      return;
    }
    try {
      value = this.codec.decode(payload);
    } catch (err) {
      if (!this.resyncOnDecodeError) throw err;
      this.logger.warn({ err }, 'payload did not parse; answered -32700');
      this.dispatcher.parseError(err instanceof Error ? err.message : String(err));
      return;
    }
    if (this.logger.isLevelEnabled('trace')) this.logger.trace({ message: value }, 'received');
    this.dispatcher.dispatch(value);
  };

  private readonly onEnd = (): void => this.shutdown('the peer ended the stream');
  private readonly onStreamClose = (): void => this.shutdown('the stream closed');
  private readonly onStreamError = (err: Error): void => {
    this.logger.info({ err }, 'stream error');
    this.shutdown(`stream error: ${err.message}`);
  };

  /** Logs bad input with its reason, tells listeners, and closes. */
  private fail(err: unknown, what: string): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.logger.warn({ err: error }, `${what}; closing the connection`);
    this.report(error);
    this.shutdown(`${what}: ${error.message}`);
  }

  /** Emits `'error'` when someone listens; otherwise only logs (never an unhandled 'error'). */
  private report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.logger.debug({ err: error }, 'protocol error (no error listener)');
  }

  private shutdown(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.logger.debug({ reason }, 'connection closed');
    const socket = this.socket;
    socket.removeListener('data', this.onData);
    if (this.partialFrameTimer) clearTimeout(this.partialFrameTimer);
    this.dispatcher.dropQueued();
    if (this.pending.size > 0) this.pending.rejectAll((method) => this.closedError(method));
    this.abortController?.abort(new ConnectionClosedError(`connection closed (${reason})`));
    if (!socket.destroyed) {
      // Let what is queued (e.g. a closeAfterResponse answer) drain, but never wait forever on a peer that does not read.
      const timer = setTimeout(() => socket.destroy(), CLOSE_DRAIN_MS);
      timer.unref();
      socket.end(() => {
        clearTimeout(timer);
        socket.destroy();
      });
    }
    this.markClosed();
    this.emit('close', reason);
  }

  private dispatchHost(): DispatchHost {
    const self = this;
    return {
      versionKey: this.codec.versionKey,
      pending: this.pending,
      logger: this.logger,
      requestConcurrency: this.options.concurrentRequestHandling ? this.options.maxConcurrentRequests : 1,
      notificationConcurrency: this.options.concurrentNotificationHandling ? this.options.maxConcurrentRequests : 1,
      maxQueued: this.options.maxQueuedMessages,
      maxBatchLength: this.options.maxBatchLength,
      get congested() {
        return self.congested;
      },
      pauseReading: () => this.socket.pause(),
      resumeReading: () => {
        if (this.closeReason === undefined) this.socket.resume();
      },
      resolve: (method) => this.resolveHandler(method),
      createContext: (method, id) => new RpcContext(this.contextHost(), method, id),
      send: (message) => this.sendReply(message),
      get closed() {
        return self.closeReason !== undefined;
      },
      close: (reason) => this.shutdown(reason),
      report: (error) => this.report(error),
    };
  }

  private contextHostCache: ContextHost | undefined;

  /**
   * What handler contexts call through: explicit delegates to this peer plus
   * its protected batch sender. (A prototype-linked object would be shorter,
   * but state written through it, such as the next id, would land on the
   * delegate instead of the peer.)
   */
  private contextHost(): ContextHost {
    if (!this.contextHostCache) {
      const peer = this;
      this.contextHostCache = {
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
        batchCall: (build, options) => peer.sendBatch(build, options),
      };
    }
    return this.contextHostCache;
  }

  /** Finds and caches the invoker for a wire name. Only the decorated table is consulted. */
  private resolveHandler(method: string): ResolvedHandler | undefined {
    const cached = this.resolved.get(method);
    if (cached !== undefined) return cached ?? undefined;
    const spec = this.handlers?.get(method);
    const services = this.services as Record<string | symbol, (...args: unknown[]) => unknown>;
    const handler: ResolvedHandler | null = spec
      ? {
          kind: spec.kind,
          withContext: spec.withContext,
          invoke: spec.withContext
            ? (params, ctx) => services[spec.propertyKey](ctx, ...bindParams(spec, params))
            : (params) => services[spec.propertyKey](...bindParams(spec, params)),
        }
      : null;
    // Unknown names are cached only while the cache is small: a peer cannot grow it by spraying names.
    if (handler || this.resolved.size < 1024) this.resolved.set(method, handler);
    return handler ?? undefined;
  }

  /**
   * Writes a response (or a batch of them). A result that cannot be encoded
   * becomes -32603 for that request instead of a lost answer.
   */
  private sendReply(message: unknown): void {
    if (this.closeReason !== undefined) return;
    let frame: Buffer;
    try {
      frame = this.encodeFrame(message);
    } catch (err) {
      if (!(err instanceof EncodingError)) throw err;
      this.logger.warn({ err }, 'a response could not be encoded; answering -32603');
      const fix = (m: unknown): unknown => {
        const r = m as Record<string, unknown>;
        try {
          this.codec.encode(r);
          return r;
        } catch {
          return buildError(this.codec.versionKey, r.id as RequestId | null, new InternalError(undefined, `result not encodable: ${err.message}`).toJSON());
        }
      };
      frame = this.encodeFrame(Array.isArray(message) ? message.map(fix) : fix(message));
    }
    this.write(frame);
  }
}

/** Rejects calls that cannot be valid before any id is spent. */
function checkCall(method: string, params: unknown): void {
  if (typeof method !== 'string') throw new TypeError(`method must be a string, got ${typeof method}`);
  if (params !== undefined && !Array.isArray(params) && !isPlainObject(params)) {
    throw new TypeError(`params of "${method}" must be an array or a plain object`);
  }
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

