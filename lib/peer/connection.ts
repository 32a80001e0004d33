/**
 * The engine behind one peer: it joins a transport, a codec, the pending
 * table, the router and the scheduler, and owns the connection's state
 * (open → closed, once; write congestion). `RpcPeer` is its public face.
 *
 * One request, in: transport `onMessage` → nesting check → codec `decode`
 * → router (responses settle here at once) → handler table → `RpcContext`
 * → scheduler → handler → `Reply` → codec `encode` → transport `send`.
 * docs/architecture.md traces it file by file.
 *
 * Whatever closes the connection (`close()`, the transport ending or
 * failing, bad input that cannot be resynchronised) takes one path,
 * {@link Connection.shutdown}: pending requests reject with
 * `ConnectionClosedError`, live handlers' signals abort, `'close'` is
 * emitted once.
 */
import type { MessageCodec } from '../codec/codec';
import { findExcessiveNesting } from '../codec/depth';
import { ConnectionClosedError, EncodingError, InternalError, TooManyPendingRequests, connSuffix } from '../errors';
import type { ConnectionLogger } from '../logger';
import type { Call, CallKind, Reply, ResolvedHandler } from '../protocol/call';
import { budgetFor, stampBudget } from '../protocol/deadline';
import { withHook, withoutHook } from '../protocol/hook-list';
import { buildCall, buildError, isParams, Params, RequestId } from '../protocol/messages';
import { PendingRequests } from '../protocol/pending';
import { CANCEL_METHOD, Router, RouterHost } from '../protocol/router';
import { Scheduler, SchedulerHost } from '../protocol/scheduler';
import type { Payload, Transport, TransportReceiver } from '../transport/transport';
import type { ServiceHandlers } from './handlers';
import type { ResolvedOptions } from './options';
import type { CallOptions } from './proxy';

/** What the connection tells its peer object (an EventEmitter). @internal */
export interface ConnectionEvents {
  /** A protocol problem: emit `'error'` if someone listens, else only log. */
  onReport(error: Error): void;
  /** The connection closed: emit `'close'`. */
  onClosed(reason: string): void;
  /** Makes the record of one incoming call (an `RpcContext` bound to the peer). */
  createCall(kind: CallKind, method: string, id: RequestId | null | undefined, params: Params | undefined, handler: ResolvedHandler, reply: Reply | undefined): Call;
}

/** One outgoing message as {@link OutgoingHook}s see it: a message object, or a batch's array of them. */
export type OutgoingMessage = Record<string, unknown> | Record<string, unknown>[];

/** A hook for `RpcPeer.onOutgoing`: sees each outgoing message before it is encoded. */
export type OutgoingHook = (message: OutgoingMessage) => void;

/** One connection's engine. @internal */
export class Connection implements TransportReceiver, RouterHost, SchedulerHost {
  readonly versionKey: string;
  readonly router: Router;
  readonly scheduler: Scheduler;
  congested = false;
  closeReason: string | undefined = undefined;
  private nextId = 1;
  /** Made on the first request this side sends: most server connections never send one. */
  private pendingTable: PendingRequests | undefined = undefined;
  /** From `RpcPeer.onOutgoing`; undefined (not empty) when there is none, so the plain path checks one field. */
  private outgoing: OutgoingHook[] | undefined = undefined;
  private closedPromise: Promise<void> | undefined = undefined;
  private markClosed: (() => void) | undefined = undefined;

  constructor(
    readonly transport: Transport,
    readonly codec: MessageCodec,
    readonly options: ResolvedOptions,
    readonly logger: ConnectionLogger,
    private readonly handlers: ServiceHandlers,
    private readonly events: ConnectionEvents,
  ) {
    this.versionKey = codec.versionKey;
    this.router = new Router(this);
    this.scheduler = new Scheduler(this);
    // Introspection (docs/introspection.md): only when asked for; otherwise rpc.discover stays -32601.
    if (options.discover) this.router.reserve('rpc.discover', handlers.discoverHandler(options.discover, this.versionKey));
    transport.start(this);
  }

  // Read from the shared options rather than copied into every connection: none is on the per-message path.

  get maxBatchLength(): number {
    return this.options.maxBatchLength;
  }

  get requestConcurrency(): number {
    return this.options.concurrentRequestHandling ? this.options.maxConcurrentRequests : 1;
  }

  get notificationConcurrency(): number {
    return this.options.concurrentNotificationHandling ? this.options.maxConcurrentRequests : 1;
  }

  get maxQueued(): number {
    return this.options.maxQueuedMessages;
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** This side's requests awaiting answers (made on first use). */
  get pending(): PendingRequests {
    return (this.pendingTable ??= new PendingRequests(this.logger.connectionId, this.options.sendCancel ? (id) => this.sendCancel(id) : undefined));
  }

  get pendingCount(): number {
    return this.pendingTable === undefined ? 0 : this.pendingTable.size;
  }

  // ---- incoming ---------------------------------------------------------------------------------

  /** One whole message from the transport: guard, decode, route. */
  onMessage(payload: Payload): void {
    if (this.closeReason !== undefined) return;
    const { codec, logger } = this;
    if (codec.checkNesting && findExcessiveNesting(payload, this.options.maxNestingDepth) >= 0) {
      logger.warn({ bytes: payload.length }, 'message nested deeper than maxNestingDepth; answered -32700');
      this.router.parseError(`nesting deeper than ${this.options.maxNestingDepth}`);
      return;
    }
    let value: unknown;
    try {
      value = codec.decode(payload);
    } catch (err) {
      if (!codec.resyncOnDecodeError) return this.fail(err, 'unreadable input from the peer');
      logger.warn({ err }, 'payload did not parse; answered -32700');
      this.router.parseError(err instanceof Error ? err.message : String(err));
      return;
    }
    if (logger.isTracing()) logger.trace({ message: value }, 'received');
    this.router.dispatch(value);
  }

  onDrain(): void {
    this.congested = false;
    this.scheduler.drained();
  }

  onError(error: Error, what: string): void {
    this.fail(error, what);
  }

  onClose(reason: string): void {
    if (reason.startsWith('stream error')) this.logger.info({ reason }, 'stream error');
    this.shutdown(reason);
  }

  resolve(method: string): ResolvedHandler | undefined {
    return this.handlers.resolve(method);
  }

  createCall(kind: CallKind, method: string, id: RequestId | null | undefined, params: Params | undefined, handler: ResolvedHandler, reply: Reply | undefined): Call {
    return this.events.createCall(kind, method, id, params, handler, reply);
  }

  startDeadline(call: Call, ms: number): void {
    this.scheduler.startDeadline(call, ms);
  }

  cancel(id: RequestId): void {
    const call = this.scheduler.find(id);
    if (call === undefined) this.logger.debug({ id }, 'cancel for no live request ignored');
    else this.scheduler.cancel(call);
  }

  /** Tells the other side that this side stopped waiting for request `id` (LSP's `$/cancelRequest`). */
  private sendCancel(id: RequestId): void {
    if (this.closeReason !== undefined) return;
    try {
      this.write(this.encode(buildCall(this.versionKey, CANCEL_METHOD, { id })));
    } catch (err) {
      this.logger.debug({ err, id }, 'could not send $/cancelRequest');
    }
  }

  schedule(call: Call): void {
    this.scheduler.submit(call);
  }

  pauseReading(): void {
    this.transport.pause?.();
  }

  resumeReading(): void {
    if (this.closeReason === undefined) this.transport.resume?.();
  }

  /**
   * Writes a response (or a batch of them). A result that cannot be encoded
   * becomes -32603 for that request instead of a lost answer.
   */
  send(message: unknown): void {
    if (this.closeReason !== undefined) return;
    try {
      this.write(this.encode(message));
    } catch (err) {
      if (!(err instanceof EncodingError)) throw err;
      this.logger.warn({ err }, 'a response could not be encoded; answering -32603');
      const fix = (m: unknown): unknown => {
        const r = m as Record<string, unknown>;
        try {
          this.codec.encode(r);
          return r;
        } catch {
          return buildError(this.versionKey, r.id as RequestId | null, new InternalError(undefined, `result not encodable: ${err.message}`).toJSON());
        }
      };
      this.write(this.codec.encode(Array.isArray(message) ? message.map(fix) : fix(message)));
    }
  }

  close(reason: string): void {
    this.shutdown(reason);
  }

  report(error: Error): void {
    this.events.onReport(error);
  }

  // ---- outgoing ---------------------------------------------------------------------------------

  /** See `RpcPeer.sendRequest`. `from` is the incoming call whose handler makes it (through its context). */
  request(method: string, params: Params | undefined, options: CallOptions, from?: Call): Promise<unknown> {
    if (this.closeReason !== undefined) return Promise.reject(this.closedError(method));
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    let timeout: number | undefined;
    let payload: Payload;
    let id: RequestId;
    try {
      // A handler's own calls get no more time than its caller still waits (deadline.ts).
      timeout = budgetFor(method, options.timeout ?? this.options.timeout, from, this.logger.connectionId);
      this.checkPendingLimit(method, 1);
      checkCall(method, params);
      id = this.newId();
      const message = buildCall(this.versionKey, method, params, id);
      if (this.options.sendDeadline) stampBudget(message, timeout);
      payload = this.encode(message);
    } catch (err) {
      return Promise.reject(err);
    }
    const result = this.pending.add(id, method, { timeout, signal: options.signal });
    this.scheduler.awaitingAnswer(from);
    try {
      this.write(payload);
    } catch (err) {
      this.pending.reject(id, err);
    }
    return result;
  }

  /** See `RpcPeer.sendNotification`. */
  notify(method: string, params: Params | undefined): void {
    if (this.closeReason !== undefined) throw this.closedError(method);
    checkCall(method, params);
    this.write(this.encode(buildCall(this.versionKey, method, params)));
  }

  /** Throws `TooManyPendingRequests` when `count` more would pass `maxPendingRequests`. */
  checkPendingLimit(method: string, count: number): void {
    const limit = this.options.maxPendingRequests;
    if (this.pendingCount + count > limit) throw new TooManyPendingRequests(method, limit, this.logger.connectionId);
  }

  /** A fresh request id, never one still pending. */
  newId(): RequestId {
    const gen = this.options.idGenerator;
    if (!gen) return this.nextId++;
    const id = gen();
    if (!(typeof id === 'string' || Number.isSafeInteger(id))) {
      throw new TypeError(`idGenerator returned ${String(id)}: ids must be strings or safe integers`);
    }
    if (this.pending.has(id)) throw new TypeError(`idGenerator returned ${String(id)}, which is still pending`);
    return id;
  }

  /** Hands one encoded message to the transport, and watches its write buffer. */
  write(payload: Payload): void {
    this.sent(this.transport.send(payload));
  }

  /**
   * `notify` minus the encoding, for a message `Server.broadcast` encoded
   * once for many connections: `send` hands it to the transport (a stream
   * gets one frame shared by all), then the write buffer is watched as for
   * any message (`maxWriteBuffer` closes a peer that does not read). False,
   * nothing sent, once the connection is closed (or closing). @internal
   */
  sendEncoded(send: (transport: Transport) => boolean, message: Record<string, unknown>): boolean {
    if (this.closeReason !== undefined) return false;
    // Outgoing hooks must see (and may annotate) what goes out: a peer with hooks encodes its own copy.
    if (this.outgoing !== undefined) this.write(this.encode({ ...message }));
    else this.sent(send(this.transport));
    return true;
  }

  /** After a send: `accepted` false means over the transport's mark; past `maxWriteBuffer` the peer is not reading. */
  private sent(accepted: boolean): void {
    const transport = this.transport;
    if (!accepted) this.congested = true;
    if (transport.bufferedAmount > this.options.maxWriteBuffer) {
      this.fail(new Error(`${transport.bufferedAmount} bytes queued, over maxWriteBuffer ${this.options.maxWriteBuffer}`), 'the peer is not reading');
    }
  }

  /**
   * Encodes one outgoing message or batch array: every message this side
   * sends passes here, after the outgoing hooks saw it (see
   * `RpcPeer.onOutgoing`) and, at trace level, is logged as `sent`.
   */
  encode(message: unknown): Payload {
    if (this.outgoing !== undefined) this.runOutgoing(message);
    if (this.logger.isTracing()) this.logger.trace({ message }, 'sent');
    return this.codec.encode(message);
  }

  /** Adds an outgoing hook; returns the function that removes it. */
  addOutgoing(hook: OutgoingHook): () => void {
    if (typeof hook !== 'function') throw new TypeError('onOutgoing() takes a function (message) => void');
    this.outgoing = withHook(this.outgoing, hook);
    return () => void (this.outgoing = withoutHook(this.outgoing, hook));
  }

  private runOutgoing(message: unknown): void {
    for (const hook of this.outgoing!) {
      try {
        hook(message as OutgoingMessage);
      } catch (err) {
        // A hook observes and may annotate; it cannot stop a message (a response must still go out).
        this.logger.warn({ err }, 'an outgoing hook threw; the message was sent anyway');
      }
    }
  }

  /** Why signals abort once the connection is closed (made on demand: a stack trace is costly). */
  closeError(): ConnectionClosedError {
    return new ConnectionClosedError(`connection closed (${this.closeReason})`);
  }

  /** The error for a call on a closed connection. */
  closedError(method: string): ConnectionClosedError {
    return new ConnectionClosedError(`cannot call "${method}": connection closed (${this.closeReason})${connSuffix(this.logger.connectionId)}`);
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  /** Resolves `true` once closed and every handler finished; `false` if `timeoutMs` passes first. */
  join(timeoutMs?: number): Promise<boolean> {
    const closed = (this.closedPromise ??= this.closeReason !== undefined ? Promise.resolve() : new Promise((resolve) => (this.markClosed = resolve)));
    const done = closed.then(() => this.scheduler.whenIdle()).then(() => true);
    if (timeoutMs === undefined) return done;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return Promise.race([done, timeout]).finally(() => clearTimeout(timer));
  }

  /** Logs bad input with its reason, tells listeners, and closes. */
  fail(err: unknown, what: string): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.logger.warn({ err: error }, `${what}; closing the connection`);
    this.events.onReport(error);
    this.shutdown(`${what}: ${error.message}`);
  }

  shutdown(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.logger.debug({ reason }, 'connection closed');
    this.transport.close();
    this.scheduler.closed(() => this.closeError());
    if (this.pendingCount > 0) this.pending.rejectAll((method) => this.closedError(method));
    this.markClosed?.();
    this.events.onClosed(reason);
  }
}

/** Rejects calls that cannot be valid before any id is spent (and broadcasts before anything is encoded). @internal */
export function checkCall(method: string, params: unknown): void {
  if (typeof method !== 'string') throw new TypeError(`method must be a string, got ${typeof method}`);
  if (params !== undefined && !isParams(params)) {
    throw new TypeError(`params of "${method}" must be an array or a plain object`);
  }
}
