/**
 * The transport seam: what a peer needs from whatever carries its messages.
 *
 * A transport moves whole encoded messages. It owns the connection (a
 * socket, a WebSocket, a MessagePort) and, for byte streams, the framing
 * that cuts bytes into messages; it does not know JSON, BSON or JSON-RPC.
 * The peer encodes, decodes and dispatches. This is capnweb's
 * `RpcTransport` (send / receive / abort) with the back-pressure signal of
 * vscode-jsonrpc's `MessageWriter`, so a new transport is one small file.
 *
 * Nothing here needs Node: bytes are `Uint8Array` (a Node `Buffer` is one),
 * so a browser build can share the peer and its layers below.
 */

/** One encoded message: JSON text as a string, or bytes (UTF-8 JSON, or a BSON document). */
export type Payload = string | Uint8Array;

/**
 * What a transport delivers to. The peer implements it and hands it to
 * {@link Transport.start}. Each method is called synchronously by the
 * transport; none of them throws back into it.
 */
export interface TransportReceiver {
  /** One whole incoming message, in arrival order. */
  onMessage(payload: Payload): void;
  /** The write side has drained after {@link Transport.send} returned `false`. */
  onDrain(): void;
  /**
   * Input that cannot be turned into messages (a framing error, a frame
   * that never completes, a binary frame to a text-only peer). The peer
   * logs it with `what`, reports it and closes; the transport reads no
   * further.
   */
  onError(error: Error, what: string): void;
  /** The connection is gone: closed by either side or failed. Called at most once. */
  onClose(reason: string): void;
}

/**
 * A message-level connection. Two kinds exist: byte streams with a framing
 * (`StreamTransport`, every framing of `JsonRpc`/`BsonRpc`) and
 * whole-message carriers (WebSocket, MessagePort, the in-memory message
 * pair), where one message is one frame and no framing is needed.
 */
export interface Transport {
  /** Starts delivering incoming messages to `receiver`. Called exactly once, by the peer. */
  start(receiver: TransportReceiver): void;
  /**
   * Sends one message. Returns `false` when the write side is over its
   * high-water mark: the message is still queued, and
   * {@link TransportReceiver.onDrain} follows once it drains. Sending after
   * close is a silent no-op (the peer checks its own state first).
   */
  send(payload: Payload): boolean;
  /** Bytes (or, for queued text, UTF-16 units) accepted by `send` but not yet written. */
  readonly bufferedAmount: number;
  /** Stops delivering messages until {@link Transport.resume} (optional: reading back-pressure). */
  pause?(): void;
  /** Resumes delivery after {@link Transport.pause}. */
  resume?(): void;
  /**
   * Closes gracefully: what is queued is written first (bounded in time),
   * then the connection closes and `onClose` follows. Safe to call twice.
   */
  close(): void;
  /** Closes at once, dropping anything queued. Safe to call twice. */
  abort(reason?: string): void;
}

/**
 * True for an object that looks like a {@link Transport} (as opposed to a
 * Node `Duplex`, which has no `start`).
 */
export function isTransport(value: unknown): value is Transport {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<Record<keyof Transport, unknown>>;
  return typeof t.start === 'function' && typeof t.send === 'function' && typeof t.close === 'function' && typeof t.abort === 'function';
}
