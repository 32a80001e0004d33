/**
 * Routes every decoded incoming value: responses to the pending table at
 * once, invalid messages to their -32600 answer, requests and notifications
 * (after the hook for reserved names) to a handler's `Call`, and batches
 * element by element into one batched answer.
 *
 * It owns the request → response contract and batch assembly. It does not
 * decode, run handlers (the scheduler does, through `host.schedule`) or
 * touch the transport; the connection supplies all of that through
 * {@link RouterHost}, so the router is tested with a fake host.
 */
import type { ConnectionLogger } from '../logger';
import { ErrorCodes, InvalidParams, InvalidRequest, MethodNotFound, PeerError } from '../errors';
import type { Call, CallKind, Reply, ResolvedHandler } from './call';
import { DEADLINE_MEMBER, readBudget } from './deadline';
import { buildError, buildResult, classify, Incoming, Params, readId, RequestId } from './messages';

/** What the router needs from its connection. */
export interface RouterHost {
  readonly versionKey: string;
  readonly logger: ConnectionLogger;
  /** Most elements in one batch. */
  readonly maxBatchLength: number;
  /** Settles this side's own requests. Each returns false when no such request is pending. */
  readonly pending: {
    resolve(id: RequestId, result: unknown): boolean;
    rejectWithWireError(id: RequestId, error: unknown): boolean;
  };
  /** Finds a handler by wire name; undefined when none. */
  resolve(method: string): ResolvedHandler | undefined;
  /** Makes the record of one call (the peer makes an `RpcContext`). */
  createCall(kind: CallKind, method: string, id: RequestId | null | undefined, params: Params | undefined, handler: ResolvedHandler, reply: Reply | undefined): Call;
  /** Runs or queues a call (the scheduler). */
  schedule(call: Call): void;
  /** Writes one message or a batch array. */
  send(message: unknown): void;
  /** Closes the connection (after `closeAfterResponse`). */
  close(reason: string): void;
  /** Reports a protocol problem the user may want to see (emitted or logged). */
  report(error: Error): void;
  /** The other side cancelled its request `id` (`$/cancelRequest`); unknown ids are the host's to ignore. */
  cancel(id: RequestId): void;
  /** Starts the clock of a request that carried a budget: `ms` from now it is cancelled (see deadline.ts). */
  startDeadline(call: Call, ms: number): void;
}

/** LSP's cancellation notification, which vscode-jsonrpc and StreamJsonRpc send: `{ "id": <id> }`. */
export const CANCEL_METHOD = '$/cancelRequest';

/**
 * Handles a message to a reserved name (`$/…`, `rpc.…`) before any handler
 * is looked up: cancellation, streams and discovery plug in here. `reply`
 * must be called exactly once for a request (with `undefined` for a
 * notification is fine too).
 */
export type ReservedHandler = (kind: CallKind, params: Params | undefined, id: RequestId | null | undefined, reply: Reply) => void;

/** Undoes a registration. Calling it twice is safe. */
export interface Disposable {
  dispose(): void;
}

/** True for names JSON-RPC reserves (`rpc.`) and LSP-style protocol names (`$/`). */
function isReservedName(method: string): boolean {
  const c = method.charCodeAt(0);
  return (c === 0x24 && method.charCodeAt(1) === 0x2f) || (c === 0x72 && method.startsWith('rpc.'));
}

/** Routes incoming values for one connection. */
export class Router {
  private reserved: Map<string, ReservedHandler> | undefined = undefined;
  /** Where a single request's answer goes; made on the first request (an idle connection holds no closure). */
  private replyFn: Reply | undefined = undefined;

  constructor(private readonly host: RouterHost) {}

  /** Handles messages to the reserved name `method` with `handler` until disposed. */
  reserve(method: string, handler: ReservedHandler): Disposable {
    if (!isReservedName(method)) throw new TypeError(`"${method}" is not a reserved name: reserved names start with "$/" or "rpc."`);
    const table = (this.reserved ??= new Map());
    if (table.has(method)) throw new TypeError(`"${method}" already has a reserved handler`);
    table.set(method, handler);
    return { dispose: () => void (table.get(method) === handler && table.delete(method)) };
  }

  /** Handles one decoded payload: a message object or a batch array. */
  dispatch(value: unknown): void {
    if (Array.isArray(value)) this.dispatchBatch(value);
    else this.dispatchOne(classify(value, this.host.versionKey), (this.replyFn ??= (reply, closeAfter) => this.sendReply(reply, closeAfter)));
  }

  /** Answers a payload that could not be parsed (-32700, id null). */
  parseError(detail: string): void {
    this.host.send(buildError(this.host.versionKey, null, { code: ErrorCodes.ParseError, message: 'Parse error', data: detail }));
  }

  private sendReply(reply: Record<string, unknown> | undefined, closeAfter: boolean | undefined): void {
    if (reply) this.host.send(reply);
    if (closeAfter) this.host.close('closeAfterResponse() after responding');
  }

  private dispatchBatch(items: unknown[]): void {
    const { host } = this;
    if (items.length === 0 || items.length > host.maxBatchLength) {
      const why = items.length === 0 ? 'empty batch' : `batch of ${items.length} exceeds maxBatchLength ${host.maxBatchLength}`;
      host.logger.debug({ length: items.length }, why);
      host.send(buildError(host.versionKey, null, new InvalidRequest(undefined, why).toJSON()));
      return;
    }
    const replies: (Record<string, unknown> | undefined)[] = new Array(items.length);
    let outstanding = items.length;
    let closeAfter = false;
    const slot = (i: number): Reply => (reply, close) => {
      replies[i] = reply;
      if (close) closeAfter = true;
      if (--outstanding === 0) {
        const out = replies.filter((r) => r !== undefined);
        // A batch of notifications (or of responses) is answered with nothing at all;
        // a closeAfterResponse() inside the batch waits for the whole answer.
        this.sendReply(out.length > 0 ? (out as unknown as Record<string, unknown>) : undefined, closeAfter);
      }
    };
    for (let i = 0; i < items.length; i++) this.dispatchOne(classify(items[i], host.versionKey), slot(i));
  }

  /** Handles one classified message; `reply` receives its answer (or undefined) exactly once. */
  private dispatchOne(msg: Incoming, reply: Reply): void {
    const { host } = this;
    switch (msg.kind) {
      case 'response':
        if (msg.id === null || !host.pending.resolve(msg.id, msg.result)) this.unmatched(msg.id);
        return reply(undefined);
      case 'error-response':
        if (msg.id === null || !host.pending.rejectWithWireError(msg.id, msg.error)) {
          if (msg.id === null) host.report(PeerError.fromWire(msg.error));
          else this.unmatched(msg.id);
        }
        return reply(undefined);
      case 'bad-response':
        host.logger.warn({ reason: msg.reason }, 'dropped a malformed response');
        return reply(undefined);
      case 'invalid':
        host.logger.debug({ reason: msg.reason }, 'invalid request');
        return reply(buildError(host.versionKey, msg.id, new InvalidRequest(undefined, msg.reason).toJSON()));
      case 'notification':
        this.call('notification', msg.method, msg.params, undefined, undefined, undefined);
        return reply(undefined);
      case 'request':
        return this.call('request', msg.method, msg.params, msg.id, reply, msg.budget);
    }
  }

  /**
   * `$/cancelRequest { id }`: tells the host, which aborts that request's
   * signal and answers it -32800 if it is still live. An unknown id is
   * ignored (the request may have finished a moment ago). LSP sends it as a
   * notification; a peer that sends it as a request gets `null`.
   */
  private cancel(params: Params | undefined, callId: RequestId | null | undefined, reply: Reply | undefined): void {
    const { host } = this;
    const target = params !== undefined && !Array.isArray(params) ? readId(params.id) : undefined;
    if (target === undefined || target === null) {
      // A notification cannot be answered: a malformed one is only logged (a flood of them costs a lookup each).
      host.logger.debug({ params }, `${CANCEL_METHOD} without a valid id ignored`);
      const data = `${CANCEL_METHOD} takes { "id": <request id> }`;
      if (reply !== undefined) reply(buildError(host.versionKey, callId as RequestId | null, new InvalidParams(undefined, data).toJSON()));
      return;
    }
    host.cancel(target);
    if (reply !== undefined) reply(buildResult(host.versionKey, callId as RequestId | null, null));
  }

  private unmatched(id: RequestId | null): void {
    // Late answers after a timeout or an abort land here; that is normal.
    this.host.logger.debug({ id }, 'response to no pending request dropped');
  }

  /** A request (with `reply`) or a notification (without): reserved hook, then the handler table. */
  private call(kind: CallKind, method: string, params: Params | undefined, id: RequestId | null | undefined, reply: Reply | undefined, budget: unknown): void {
    const { host } = this;
    if (isReservedName(method)) {
      if (method === CANCEL_METHOD) return this.cancel(params, id, reply);
      const reserved = this.reserved?.get(method);
      if (reserved !== undefined) return reserved(kind, params, id, reply ?? ignore);
    }
    const handler = host.resolve(method);
    if (handler === undefined || handler.kind !== kind) {
      if (reply === undefined) host.logger.warn({ method }, 'notification to no notification handler dropped');
      else {
        host.logger.debug({ method }, 'method not found');
        reply(buildError(host.versionKey, id as RequestId | null, new MethodNotFound().toJSON()));
      }
      return;
    }
    const call = host.createCall(kind, method, id, params, handler, reply);
    if (budget !== undefined) {
      const ms = readBudget(budget);
      if (ms !== undefined) host.startDeadline(call, ms);
      // Not a JSON-RPC member, so not an Invalid Request: ignored as an unknown member would be.
      else host.logger.debug({ method, [DEADLINE_MEMBER]: budget }, `"${DEADLINE_MEMBER}" member that is not a budget in ms ignored`);
      // A budget of 0 has already passed: the call was answered -32800 and never runs.
      if (call.answered) return;
    }
    host.schedule(call);
  }
}

const ignore: Reply = () => undefined;
