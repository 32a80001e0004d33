/**
 * A byte stream (any Node `Duplex`: TCP, TLS, unix socket, stdio, the
 * in-memory pair) plus a framing, as a message {@link Transport}: every
 * framing of `JsonRpc`/`BsonRpc`, unchanged on the wire.
 *
 * It owns the stream's listeners, the frame decoder and its partial-frame
 * clock (slow-loris guard), and write coalescing. It does not decode
 * payloads or decide anything about messages.
 */
import type { Duplex } from 'node:stream';
import type { FrameDecoder, Framing } from '../framing/framing';
import type { Payload, Transport, TransportReceiver } from './transport';

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

/** On the stream: the transport it carries, for the listeners every transport shares. */
const CARRIER = Symbol('bsonrpc.streamTransport');

/** A stream as the shared listeners see it (`this` of an EventEmitter listener is the emitter). */
type Carrier = Duplex & { [CARRIER]?: StreamTransport };

/**
 * Transports that corked their stream this tick. One `process.nextTick`
 * flushes them all: a server answering many connections in one tick
 * queues one callback, not one per connection, and no transport keeps a
 * bound flush function. A single connection's writes leave at the same
 * moment as before (the end of the tick).
 */
let corkedTransports: StreamTransport[] = [];

function flushCorked(): void {
  const list = corkedTransports;
  corkedTransports = [];
  for (let i = 0; i < list.length; i++) {
    try {
      list[i].flush();
    } catch (err) {
      // One stream's failure must not leave the others corked; it still surfaces, as it did from its own tick.
      process.nextTick(rethrow, err);
    }
  }
}

function rethrow(err: unknown): never {
  throw err;
}

/** Options of a {@link StreamTransport}. */
export interface StreamTransportOptions {
  /** Largest incoming frame in bytes; a larger one is a `FramingError`. */
  maxMessageSize: number;
  /** ms a frame may take from its first byte to its last; 0 disables. */
  partialFrameTimeout: number;
  /** True when every text sent is compact JSON (no raw line feed): line framings skip their scan. */
  compactText?: boolean;
}

/**
 * A Duplex plus a framing, seen as a message transport. Owns the stream: `close()` ends it.
 *
 * Memory: a transport holding an idle connection is one object and a
 * decoder. The stream's listeners are static functions shared by every
 * transport (they find theirs through a symbol on the stream), the
 * partial-frame timer takes the transport as its argument, the flush is
 * process-wide, and the callback the decoder delivers frames to is made on
 * the first chunk received.
 */
export class StreamTransport implements Transport {
  private receiver: TransportReceiver | undefined = undefined;
  private readonly decoder: FrameDecoder;
  private partialFrameTimer: NodeJS.Timeout | undefined = undefined;
  private frameSink: ((payload: Buffer) => void) | undefined = undefined;
  private framesReceived = 0;
  private corked = false;
  private waitingForDrain = false;
  private done = false;
  private readonly compact: boolean;
  /** ms a frame may take from its first byte to its last; 0 disables. */
  private readonly partialFrameTimeout: number;

  constructor(
    /** The stream; the transport owns it. */
    readonly stream: Duplex,
    /** How messages are delimited on it. */
    readonly framing: Framing,
    options: StreamTransportOptions,
  ) {
    if (!stream || typeof stream.write !== 'function' || typeof stream.on !== 'function') {
      throw new TypeError('socket must be a Duplex stream');
    }
    this.decoder = framing.createDecoder({ maxMessageSize: options.maxMessageSize });
    this.compact = options.compactText === true;
    this.partialFrameTimeout = options.partialFrameTimeout;
  }

  /** {@inheritDoc Transport.start} */
  start(receiver: TransportReceiver): void {
    this.receiver = receiver;
    const stream = this.stream as Carrier;
    stream[CARRIER] = this;
    stream.on('data', StreamTransport.onData);
    stream.on('end', StreamTransport.onEnd);
    stream.on('close', StreamTransport.onStreamClose);
    stream.on('error', StreamTransport.onStreamError);
    if (stream.destroyed) queueMicrotask(() => this.closed('stream already destroyed'));
  }

  /** {@inheritDoc Transport.bufferedAmount} */
  get bufferedAmount(): number {
    return this.stream.writableLength;
  }

  /**
   * Frames and writes one message; `false` when the stream is over its
   * high-water mark (the receiver's `onDrain` follows). Writes made in one
   * tick are corked and leave in one `writev` when the tick ends: a burst
   * of calls costs one syscall. Throws `EncodingError` (nothing written)
   * when the framing cannot carry the payload.
   */
  send(payload: Payload): boolean {
    const framing = this.framing;
    return this.sendFrame(typeof payload === 'string' && framing.encodeText !== undefined ? framing.encodeText(payload, this.compact) : framing.encode(payload as string | Buffer));
  }

  /**
   * `send` for a frame this transport's framing already made: `Server.broadcast`
   * frames one message once and hands the same bytes to every stream. @internal
   */
  sendFrame(frame: string | Buffer): boolean {
    const stream = this.stream;
    if (stream.destroyed || stream.writableEnded) return true;
    if (!this.corked) {
      this.corked = true;
      stream.cork();
      if (corkedTransports.push(this) === 1) process.nextTick(flushCorked);
    } else if (stream.writableLength >= FLUSH_BYTES) {
      stream.uncork();
      stream.cork();
    }
    if (stream.write(frame)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      stream.once('drain', StreamTransport.onDrain);
    }
    return false;
  }

  /** Sends what this tick corked (the process-wide flush calls it). @internal */
  flush(): void {
    this.corked = false;
    this.stream.uncork();
  }

  /** {@inheritDoc Transport.pause} */
  pause(): void {
    this.stream.pause();
  }

  /** {@inheritDoc Transport.resume} */
  resume(): void {
    if (!this.done) this.stream.resume();
  }

  /** Ends the stream once what is queued is written (at most 2 s), then destroys it. Safe to call twice. */
  close(): void {
    this.stopReading();
    const stream = this.stream;
    if (stream.destroyed) return;
    // Let what is queued (e.g. a closeAfterResponse answer) drain, but never wait forever on a peer that does not read.
    const timer = setTimeout(() => stream.destroy(), CLOSE_DRAIN_MS);
    timer.unref();
    stream.end(() => {
      clearTimeout(timer);
      stream.destroy();
    });
  }

  /** Destroys the stream now. Safe to call twice. */
  abort(): void {
    this.stopReading();
    this.stream.destroy();
  }

  private stopReading(): void {
    this.done = true;
    this.stream.removeListener('data', StreamTransport.onData);
    this.stopClock();
  }

  private closed(reason: string): void {
    if (this.receiver === undefined) return;
    const receiver = this.receiver;
    this.receiver = undefined;
    this.stopReading();
    receiver.onClose(reason);
  }

  // The stream's listeners: `this` is the stream (EventEmitter calls them so).

  private static onDrain(this: Carrier): void {
    const transport = this[CARRIER];
    if (transport === undefined) return;
    transport.waitingForDrain = false;
    transport.receiver?.onDrain();
  }

  private static onEnd(this: Carrier): void {
    this[CARRIER]?.closed('the peer ended the stream');
  }

  private static onStreamClose(this: Carrier): void {
    this[CARRIER]?.closed('the stream closed');
  }

  private static onStreamError(this: Carrier, err: Error): void {
    this[CARRIER]?.closed(`stream error: ${err.message}`);
  }

  private static onData(this: Carrier, chunk: Buffer): void {
    this[CARRIER]?.read(chunk);
  }

  /** Feeds one chunk to the decoder; complete frames go to the receiver in order. */
  private read(chunk: Buffer): void {
    const receiver = this.receiver;
    if (receiver === undefined || this.done) return;
    const framesBefore = this.framesReceived;
    try {
      this.decoder.push(chunk, (this.frameSink ??= (payload) => this.deliver(payload)));
    } catch (err) {
      this.stopReading();
      receiver.onError(err instanceof Error ? err : new Error(String(err)), 'unreadable input from the peer');
      return;
    }
    // A frame begun must finish within partialFrameTimeout (slow-loris guard).
    if (this.decoder.bufferedBytes > 0) {
      // A frame completed in this chunk: the one now pending began here, so its clock restarts.
      if (this.partialFrameTimer && this.framesReceived !== framesBefore) this.partialFrameTimer.refresh();
      else if (!this.partialFrameTimer && this.partialFrameTimeout > 0 && !this.done) {
        this.partialFrameTimer = setTimeout(StreamTransport.onPartialFrameTimeout, this.partialFrameTimeout, this);
        this.partialFrameTimer.unref();
      }
    } else this.stopClock();
  }

  private deliver(payload: Buffer): void {
    if (this.done) return;
    this.framesReceived++;
    this.receiver?.onMessage(payload);
  }

  private stopClock(): void {
    if (this.partialFrameTimer) clearTimeout(this.partialFrameTimer);
    this.partialFrameTimer = undefined;
  }

  private static onPartialFrameTimeout(transport: StreamTransport): void {
    transport.partialFrameTimer = undefined;
    const ms = transport.partialFrameTimeout;
    transport.stopReading();
    transport.receiver?.onError(new Error(`${transport.decoder.bufferedBytes} bytes of a frame not completed within ${ms} ms`), 'partial frame timeout');
  }
}
