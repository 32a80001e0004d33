/**
 * A `MessagePort` (a browser's, or Node's `worker_threads` one) as a
 * whole-message {@link Transport}: each JSON text or BSON document is one
 * `postMessage`, so a peer can talk to a Worker, an iframe or a
 * ServiceWorker with no framing at all. No Node built-in is needed.
 *
 * Structured cloning copies every message; there is no write buffer to
 * watch, so `send` always returns `true` and `bufferedAmount` is 0.
 */
import type { Payload, Transport, TransportReceiver } from './transport';

/** The part of a `MessagePort` this transport uses (browsers and `worker_threads` both have it). */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  // `any`: the DOM's and Node's listener types differ; both pass a MessageEvent with `data` for 'message'.
  addEventListener(type: 'message' | 'close', listener: (event: any) => void): void;
  removeEventListener(type: 'message' | 'close', listener: (event: any) => void): void;
  /** Browsers queue messages until `start()` when listening through addEventListener. */
  start?(): void;
  close(): void;
}

/** A message port carrying one message per `postMessage`. Owns the port: `close()` closes it. */
export class MessagePortTransport implements Transport {
  private receiver: TransportReceiver | undefined = undefined;
  private closed = false;

  constructor(private readonly port: MessagePortLike) {
    if (!port || typeof port.postMessage !== 'function' || typeof port.addEventListener !== 'function') {
      throw new TypeError('MessagePortTransport needs a MessagePort (postMessage and addEventListener)');
    }
  }

  /** {@inheritDoc Transport.start} */
  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
    this.port.addEventListener('message', this.onMessage);
    this.port.addEventListener('close', this.onPortClose);
    this.port.start?.();
  }

  /** Always 0: a posted message is copied at once. */
  get bufferedAmount(): number {
    return 0;
  }

  /** Posts one message (a string, or a copy of the bytes). Always `true`. */
  send(payload: Payload): boolean {
    if (!this.closed) this.port.postMessage(payload);
    return true;
  }

  /** Closes the port (both ends learn of it); a port has nothing queued to wait for. */
  close(): void {
    this.finish('closed by this side');
  }

  /** The same as `close()`. */
  abort(): void {
    this.finish('aborted by this side');
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.port.removeEventListener('message', this.onMessage);
    this.port.removeEventListener('close', this.onPortClose);
    this.port.close();
    const receiver = this.receiver;
    this.receiver = undefined;
    receiver?.onClose(reason);
  }

  private readonly onMessage = (event: { data: unknown }): void => {
    const data = event.data;
    if (this.closed || this.receiver === undefined) return;
    if (typeof data === 'string' || data instanceof Uint8Array) this.receiver.onMessage(data);
    else if (data instanceof ArrayBuffer) this.receiver.onMessage(new Uint8Array(data));
    else this.receiver.onError(new TypeError(`a message port message must be a string or bytes, got ${data === null ? 'null' : typeof data}`), 'unreadable message from the port');
  };

  private readonly onPortClose = (): void => this.finish('the port closed');
}
