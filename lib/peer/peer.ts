/**
 * The symmetric peer: the public face of one connection. It offers the
 * calling side (requests, notifications, proxies, batches), `close()` and
 * `join()`, and the `'close'`/`'error'` events; the engine behind it is a
 * {@link Connection} over a {@link Transport}. `JsonRpc` and `BsonRpc`
 * differ only in codec, default transport and batches.
 *
 * Lifecycle: open → closed, once. Whatever closes it (`close()`, the
 * transport ending or failing, bad input that cannot be resynchronised)
 * takes the same path: every pending request rejects with
 * `ConnectionClosedError`, handler signals abort, `'close'` is emitted once.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { RpcLogger as Logger } from '../logger';
import type { MessageCodec } from '../codec/codec';
import type { Framing } from '../framing/framing';
import { PeerError, ResponseTimeout } from '../errors';
import { ConnectionLogger } from '../logger';
import type { Call, CallKind, Reply, ResolvedHandler } from '../protocol/call';
import { budgetFor, stampBudget } from '../protocol/deadline';
import { buildCall, Params, RequestId } from '../protocol/messages';
import type { Disposable } from '../protocol/router';
import type { CallMiddleware } from '../protocol/scheduler';
import { StreamTransport } from '../transport/stream';
import { isTransport, Transport } from '../transport/transport';
import { BatchBuilder, batchProxy, BatchProxy } from './batch';
import { Connection, OutgoingHook } from './connection';
export type { OutgoingHook, OutgoingMessage } from './connection';
import { RpcContext } from './context';
import { ServiceHandlers } from './handlers';
import { PeerOptions, resolveOptions } from './options';
import { CallOptions, Caller, createPeerProxy, PeerProxy, ProxyOptions } from './proxy';

/**
 * Middleware for {@link RpcPeer.use}: wraps every incoming call's handler.
 * `next()` resolves to the handler's result (or rejects with what it threw).
 */
export type Middleware = (call: RpcContext, next: () => Promise<unknown>) => unknown;

/** Options of one `batchCall`. */
export interface BatchOptions {
  /** ms to wait for the whole batch's answer; overrides the peer's `timeout` option. */
  timeout?: number;
}

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
  /** @internal */ readonly connection: Connection;
  /** Created on first use of `signal`: most connections never ask, and close() is then cheaper. */
  private abortController: AbortController | undefined = undefined;
  /** The `clientInfo` option (kept here: the resolved options are shared between peers). */
  private readonly info: unknown;

  /** @internal */
  protected constructor(
    /** A Duplex (framed with `framing`) or a message {@link Transport}. The peer owns it: `close()` ends it. */
    socket: Duplex | Transport,
    services: object | undefined | null,
    options: PeerOptions,
    codec: MessageCodec,
    framing: Framing,
  ) {
    super();
    // EventEmitter's own table is a null-prototype literal, which V8 keeps in
    // dictionary mode (~180 bytes per peer, a heap snapshot showed). An
    // empty object over an empty null-prototype object reads the same to
    // EventEmitter (no inherited names, no `constructor`, `__proto__` not
    // special) and stays a fast object (Node's own EventHandlers did this).
    (this as unknown as { _events: object })._events = Object.create(NO_LISTENERS) as object;
    const resolved = resolveOptions(options);
    const handlers = ServiceHandlers.of(services);
    const transport = isTransport(socket)
      ? socket
      : new StreamTransport(socket, framing, { maxMessageSize: resolved.maxMessageSize, partialFrameTimeout: resolved.partialFrameTimeout, compactText: codec.compactText });
    this.info = options.clientInfo;
    const log = new ConnectionLogger(options.logger, options.connectionId ?? '');
    this.connection = new Connection(transport, codec, resolved, log, handlers, this);
  }

  /**
   * The connection's logger: `options.logger.child({ connectionId })` (or
   * the default logger's child). Made on first use; the peer's own lines
   * make it only when their level is enabled.
   */
  get logger(): Logger {
    return this.connection.logger.logger;
  }

  /** True once the connection is closed, by either side. */
  get isClosed(): boolean {
    return this.connection.closeReason !== undefined;
  }

  /** The `clientInfo` option. */
  get clientInfo(): unknown {
    return this.info;
  }

  /** The transport this peer runs on (a `StreamTransport` when it was given a Duplex). */
  get transport(): Transport {
    return this.connection.transport;
  }

  /** Aborts when the connection closes. */
  get signal(): AbortSignal {
    if (!this.abortController) {
      this.abortController = new AbortController();
      if (this.connection.closeReason !== undefined) this.abortController.abort(this.connection.closeError());
    }
    return this.abortController.signal;
  }

  /** Counts for monitoring and leak checks: own requests awaiting answers, handlers running now. */
  stats(): { pendingRequests: number; runningHandlers: number } {
    return { pendingRequests: this.connection.pendingCount, runningHandlers: this.connection.scheduler.runningHandlers };
  }

  /** Sends a request with positional params; resolves to the result. */
  invokeRequest(method: string, ...args: unknown[]): Promise<unknown> {
    return this.connection.request(method, this.argsToParams(args), NO_OPTIONS);
  }

  /** Sends a notification with positional params. Throws `ConnectionClosedError` once closed. */
  invokeNotification(method: string, ...args: unknown[]): void {
    this.connection.notify(method, this.argsToParams(args));
  }

  /**
   * Sends a request. `params` is an array (positional) or a plain object
   * (named). Resolves to the result; rejects with the `PeerError` subclass
   * of an error response, `ResponseTimeout`, `ConnectionClosedError`, the
   * signal's reason, or `EncodingError` (then nothing was sent).
   */
  sendRequest(method: string, params?: Params, options: CallOptions = NO_OPTIONS): Promise<unknown> {
    return this.connection.request(method, params, options);
  }

  /** Sends a notification with params an array or a plain object. Throws `ConnectionClosedError` once closed. */
  sendNotification(method: string, params?: Params): void {
    this.connection.notify(method, params);
  }

  /**
   * A proxy over the other side: `proxy.m(...)` sends a request,
   * `proxy.n.m(...)` a notification. Type it with the other side's service
   * class: `getPeerProxy<ServerServices>()`.
   */
  getPeerProxy<T = any>(options?: ProxyOptions): PeerProxy<T> {
    return createPeerProxy(this, options, (args) => this.argsToParams(args));
  }

  /**
   * Adds middleware around every incoming call handled from now on: the
   * first `use()` is the outermost. `call` is the call's {@link RpcContext}
   * (`method`, `params` as they came off the wire, `kind`, `clientInfo`,
   * `signal`); `await next()` runs the inner middleware and the handler and
   * resolves to the result, which the middleware may return, replace or
   * throw over. Throwing a `PeerError` answers with it (for example -32001
   * for an unauthorised caller); anything else thrown answers -32000. A
   * middleware that never calls `next` answers with what it returns.
   *
   * ```ts
   * rpc.use(async (call, next) => {
   *   if (call.method.startsWith('admin.') && !isAdmin(call.clientInfo)) throw new PeerError(-32001, 'Unauthorised');
   *   return next();
   * });
   * ```
   * @returns a {@link Disposable} that removes the middleware.
   */
  use(middleware: Middleware): Disposable {
    const remove = this.connection.scheduler.use(middleware as CallMiddleware);
    return { dispose: remove };
  }

  /**
   * Adds a hook that sees every message this side sends, just before it is
   * encoded: requests, notifications, responses (results and errors),
   * batches (the array), and `$/cancelRequest`. It runs synchronously and
   * may read the message or add members to it (a trace id, say), which then
   * go on the wire; it cannot stop one: what it throws is logged and the
   * message is sent anyway. Hooks run in the order added. For a server, add
   * it to each connection: `server.on('connection', (peer) => peer.onOutgoing(hook))`.
   *
   * @returns a {@link Disposable} that removes the hook.
   */
  onOutgoing(hook: OutgoingHook): Disposable {
    return { dispose: this.connection.addOutgoing(hook) };
  }

  /** Closes the connection. Pending requests reject with `ConnectionClosedError`. Safe to call twice. */
  close(): void {
    this.connection.shutdown('closed by this side');
  }

  /**
   * Resolves `true` once the connection is closed and every running handler
   * has finished; `false` if `timeoutMs` passes first.
   */
  join(timeoutMs?: number): Promise<boolean> {
    return this.connection.join(timeoutMs);
  }

  /**
   * Sends one JSON-RPC batch (what `JsonRpc.batchCall` and a handler's
   * `rpc.batchCall` do). Not part of the public type of `RpcPeer` or
   * `BsonRpc`, whose codec has no batches: untyped callers get a TypeError.
   * `from` is the incoming call whose handler sends it, if any.
   * @internal
   */
  sendBatch<T = any>(build: BatchBuilder<T> | ((b: BatchProxy<T>) => void), options: BatchOptions = {}, from?: Call): Promise<unknown[] | null> {
    const { transport } = this.connection;
    if (!this.connection.codec.supportsBatches) {
      throw new TypeError('BsonRpc has no batches: BSON-RPC carries one document per message (use JsonRpc for batches)');
    }
    if (transport instanceof StreamTransport && transport.framing.supportsBatches === false) {
      return Promise.reject(new TypeError(`batchCall: the framing "${transport.framing.name}" declares it cannot carry batches`));
    }
    let builder: BatchBuilder<T>;
    if (build instanceof BatchBuilder) builder = build;
    else if (typeof build === 'function') {
      builder = new BatchBuilder<T>();
      build(batchProxy(builder, (args) => this.argsToParams(args)) as BatchProxy<T>);
    } else return Promise.reject(new TypeError('batchCall takes a callback or a BatchBuilder'));
    if (builder.items.length === 0) return Promise.reject(new TypeError('batchCall: an empty batch is not valid JSON-RPC'));
    const conn = this.connection;
    if (this.isClosed) return Promise.reject(conn.closedError(builder.items[0].method));

    const ids: RequestId[] = [];
    const methods: string[] = [];
    let payload: string | Uint8Array;
    let timeout: number | undefined;
    try {
      // As for single calls: no more time than the handler that sends it still has (deadline.ts).
      timeout = budgetFor(`batch of ${builder.items.length}`, options.timeout ?? conn.options.timeout, from, conn.logger.connectionId);
      conn.checkPendingLimit(builder.items[0].method, builder.items.filter((i) => i.kind === 'request').length);
      const messages = builder.items.map((item) => {
        if (item.kind === 'notification') return buildCall(conn.versionKey, item.method, item.params);
        const id = conn.newId();
        ids.push(id);
        methods.push(item.method);
        const message = buildCall(conn.versionKey, item.method, item.params, id);
        if (conn.options.sendDeadline) stampBudget(message, timeout);
        return message;
      });
      payload = conn.encode(messages);
    } catch (err) {
      return Promise.reject(err);
    }
    // Each request gets its own pending entry so responses route by id even
    // if the peer answers them separately; the batch has one timer.
    const settled = ids.map((id, i) =>
      conn.pending.add(id, methods[i]).then(
        (value) => value,
        (err: unknown) => {
          if (err instanceof PeerError) return err;
          throw err;
        },
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    if (timeout) {
      timer = setTimeout(() => {
        const error = new ResponseTimeout(`batch of ${ids.length} (${methods.join(', ')})`, timeout, conn.logger.connectionId);
        for (const id of ids) conn.pending.abandon(id, error);
      }, timeout);
    }
    if (ids.length > 0) conn.scheduler.awaitingAnswer(from);
    try {
      conn.write(payload);
    } catch (err) {
      for (const id of ids) conn.pending.reject(id, err);
    }
    if (ids.length === 0) return Promise.resolve(null);
    const all = Promise.all(settled).finally(() => clearTimeout(timer));
    // Entries rejected together (timeout/close) must not leave unobserved rejections behind.
    for (const p of settled) p.catch(() => undefined);
    return all;
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

  /** Positional args → params, honouring `noArgumentsPresentation`. @internal */
  argsToParams(args: unknown[]): Params | undefined {
    if (args.length > 0) return args;
    switch (this.connection.options.noArgumentsPresentation) {
      case 'omit':
        return undefined;
      case 'emptyArray':
        return [];
      case 'emptyObject':
        return {};
    }
  }

  /** The connection closed: abort the peer's signal, tell listeners. @internal */
  onClosed(reason: string): void {
    this.abortController?.abort(this.connection.closeError());
    this.emit('close', reason);
  }

  /** Emits `'error'` when someone listens; otherwise only logs (never an unhandled 'error'). @internal */
  onReport(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.connection.logger.debug({ err: error }, 'protocol error (no error listener)');
  }

  /** Makes the record of one incoming call: an `RpcContext` bound to this peer. @internal */
  createCall(kind: CallKind, method: string, id: RequestId | null | undefined, params: Params | undefined, handler: ResolvedHandler, reply: Reply | undefined): Call {
    return new RpcContext(this, kind, method, id, params, handler, reply);
  }
}

const NO_OPTIONS: CallOptions = Object.freeze({});

/** The prototype of every peer's listener table: empty, itself without a prototype. */
const NO_LISTENERS: object = Object.freeze(Object.create(null) as object);
