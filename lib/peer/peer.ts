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
import type { RpcLogger as Logger } from '../logger';
import type { MessageCodec } from '../codec/codec';
import { ConnectionClosedError, EncodingError, InternalError, TooManyPendingRequests, connSuffix } from '../errors';
import type { FrameDecoder, Framing } from '../framing/framing';
import { ConnectionLogger } from '../logger';
import { DispatchHost, Dispatcher } from '../protocol/dispatcher';
import { buildCall, buildError, isParams, Params, RequestId } from '../protocol/messages';
import { PendingRequests } from '../protocol/pending';
import type { BatchBuilder, BatchProxy } from './batch';
import { ContextHost, delegateTo, RpcContext } from './context';
import { ServiceHandlers } from './handlers';
import { InboundReader, ReaderHost } from './reader';
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
/**
 * Most bytes one tick's cork holds before they are sent. Coalescing a
 * tick's burst into one writev saves syscalls, but holding, say, 256
 * pipelined answers until the last is ready makes the two ends take turns:
 * the other side idles while this one encodes. Flushing once 4 KiB are
 * queued lets it start on the first answers meanwhile, and still spreads
 * each syscall over ~100 small frames. Measured with `npm run bench` (pipe,
 * as a ratio to the JSON floor of the same run): flushing once per tick
 * ~0.75x, every 32 frames ~1.1x, every 128 frames or 4 KiB ~1.25-1.3x;
 * notify was within noise of flushing once per tick.
 */
const FLUSH_BYTES = 4096;

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
  /** @internal */ protected readonly log: ConnectionLogger;
  /** @internal */ protected readonly options: ResolvedOptions;
  /** @internal */ protected readonly pending: PendingRequests;
  /** @internal */ protected readonly codec: MessageCodec;
  /** @internal */ protected readonly framing: Framing;
  private readonly reader: InboundReader;
  private readonly dispatcher: Dispatcher;
  private readonly handlers: ServiceHandlers;
  /** Created on first use of `signal`: most connections never ask, and close() is then cheaper. */
  private abortController: AbortController | undefined;
  private closeReason: string | undefined;
  private nextId = 1;
  private corked = false;
  private congested = false;
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
    if (!socket || typeof socket.write !== 'function' || typeof socket.on !== 'function') {
      throw new TypeError('socket must be a Duplex stream');
    }
    this.options = resolveOptions(options);
    this.log = new ConnectionLogger(options.logger, this.options.connectionId);
    this.handlers = new ServiceHandlers(services);
    this.codec = parts.codec;
    this.framing = parts.framing;
    const decoder = this.framing.createDecoder({ maxMessageSize: this.options.maxMessageSize });
    this.pending = new PendingRequests(this.options.connectionId);
    this.dispatcher = new Dispatcher(this.dispatchHost());
    this.reader = new InboundReader(this.readerHost(decoder, parts));
    this.closedPromise = new Promise((resolve) => (this.markClosed = resolve));

    socket.on('data', this.reader.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onStreamClose);
    socket.on('error', this.onStreamError);
    if (socket.destroyed) queueMicrotask(() => this.shutdown('stream already destroyed'));
  }

  /**
   * The connection's logger: `options.logger.child({ connectionId })` (or
   * the default logger's child). Made on first use; the peer's own lines
   * make it only when their level is enabled.
   */
  get logger(): Logger {
    return this.log.logger;
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
    let frame: string | Buffer;
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

  /**
   * Encodes a message into a frame; `EncodingError` when it cannot be
   * carried. Text stays a string when the framing can frame it as one.
   * @internal
   */
  protected encodeFrame(message: unknown): string | Buffer {
    const payload = this.codec.encode(message);
    const framing = this.framing;
    if (typeof payload === 'string' && framing.encodeText !== undefined) return framing.encodeText(payload, this.codec.compactText === true);
    return framing.encode(payload);
  }

  /**
   * Writes a frame. Writes made in one tick are corked and leave in one
   * `writev` when the tick ends: a burst of calls costs one syscall.
   * @internal
   */
  protected write(frame: string | Buffer): void {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(this.uncork);
    } else if (socket.writableLength >= FLUSH_BYTES) {
      socket.uncork();
      socket.cork();
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

  // ---- stream events --------------------------------------------------------------------------

  private readonly onEnd = (): void => this.shutdown('the peer ended the stream');
  private readonly onStreamClose = (): void => this.shutdown('the stream closed');
  private readonly onStreamError = (err: Error): void => {
    this.log.info({ err }, 'stream error');
    this.shutdown(`stream error: ${err.message}`);
  };

  /** Logs bad input with its reason, tells listeners, and closes. */
  private fail(err: unknown, what: string): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.log.warn({ err: error }, `${what}; closing the connection`);
    this.report(error);
    this.shutdown(`${what}: ${error.message}`);
  }

  /** Emits `'error'` when someone listens; otherwise only logs (never an unhandled 'error'). */
  private report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.log.debug({ err: error }, 'protocol error (no error listener)');
  }

  private shutdown(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.log.debug({ reason }, 'connection closed');
    const socket = this.socket;
    socket.removeListener('data', this.reader.onData);
    this.reader.stop();
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

  private readerHost(decoder: FrameDecoder, parts: WireParts): ReaderHost {
    const self = this;
    return {
      logger: this.log,
      codec: this.codec,
      decoder,
      dispatcher: this.dispatcher,
      resyncOnDecodeError: parts.resyncOnDecodeError,
      checkNesting: parts.checkNesting,
      maxNestingDepth: this.options.maxNestingDepth,
      partialFrameTimeout: this.options.partialFrameTimeout,
      get closed() {
        return self.closeReason !== undefined;
      },
      fail: (err, what) => this.fail(err, what),
    };
  }

  private dispatchHost(): DispatchHost {
    const self = this;
    return {
      versionKey: this.codec.versionKey,
      pending: this.pending,
      logger: this.log,
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
      resolve: (method) => this.handlers.resolve(method),
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

  /** What handler contexts call through (see {@link delegateTo}); one per connection. */
  private contextHost(): ContextHost {
    return (this.contextHostCache ??= delegateTo(this, (build, options) => this.sendBatch(build, options)));
  }

  /**
   * Writes a response (or a batch of them). A result that cannot be encoded
   * becomes -32603 for that request instead of a lost answer.
   */
  private sendReply(message: unknown): void {
    if (this.closeReason !== undefined) return;
    let frame: string | Buffer;
    try {
      frame = this.encodeFrame(message);
    } catch (err) {
      if (!(err instanceof EncodingError)) throw err;
      this.log.warn({ err }, 'a response could not be encoded; answering -32603');
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
  if (params !== undefined && !isParams(params)) {
    throw new TypeError(`params of "${method}" must be an array or a plain object`);
  }
}
