/**
 * Two linked whole-message transports in one process, as a `MessageChannel`
 * is: what one end sends, the other receives as one message, a turn of the
 * event loop later. For testing peers over the whole-message path (the one
 * WebSocket and browser transports take) without a network.
 */
import type { Payload, Transport, TransportReceiver } from './transport';

/** Bytes (or UTF-16 units) in flight past which `send` returns false until the other end took them. */
const HIGH_WATER_MARK = 1024 * 1024;

class MemoryTransport implements Transport {
  other!: MemoryTransport;
  private receiver: TransportReceiver | undefined = undefined;
  private inbox: Payload[] = [];
  private inFlight = 0;
  private paused = false;
  private ended = false;
  private congested = false;

  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
    if (this.inbox.length > 0 && !this.paused) queueMicrotask(() => this.resume());
    if (this.ended) queueMicrotask(() => this.closed('the transport was closed before it started'));
  }

  get bufferedAmount(): number {
    return this.inFlight;
  }

  send(payload: Payload): boolean {
    if (this.ended) return true;
    // Each message is its own copy, as it would be after crossing a wire.
    const copy = typeof payload === 'string' ? payload : Uint8Array.prototype.slice.call(payload);
    const size = copy.length;
    this.inFlight += size;
    setImmediate(() => {
      this.inFlight -= size;
      this.other.deliver(copy);
      if (this.congested && this.inFlight < HIGH_WATER_MARK) {
        this.congested = false;
        this.receiver?.onDrain();
      }
    });
    if (this.inFlight >= HIGH_WATER_MARK) this.congested = true;
    return !this.congested;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const waiting = this.inbox;
    this.inbox = [];
    for (let i = 0; i < waiting.length; i++) {
      if (this.paused) {
        this.inbox = waiting.slice(i).concat(this.inbox);
        return;
      }
      this.receiver?.onMessage(waiting[i]);
    }
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    // What was sent before close still arrives; then the other end learns of the close.
    setImmediate(() => {
      this.other.closed('the other end closed');
      this.closed('closed by this end');
    });
  }

  abort(): void {
    if (this.ended) return;
    this.ended = true;
    queueMicrotask(() => {
      this.closed('aborted by this end');
      this.other.closed('the other end aborted');
    });
  }

  private deliver(payload: Payload): void {
    if (this.receiver === undefined || this.paused) this.inbox.push(payload);
    else this.receiver.onMessage(payload);
  }

  private closed(reason: string): void {
    this.ended = true;
    const receiver = this.receiver;
    this.receiver = undefined;
    receiver?.onClose(reason);
  }
}

/**
 * Creates two linked whole-message transports.
 * @returns `[a, b]`: a message sent on `a` is received whole by `b`, and back.
 */
export function createTransportPair(): [Transport, Transport] {
  const a = new MemoryTransport();
  const b = new MemoryTransport();
  a.other = b;
  b.other = a;
  return [a, b];
}
