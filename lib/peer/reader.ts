/**
 * The read side of a peer: chunks → frames → decoded values → dispatcher,
 * with the guards that sit between them (nesting depth before parsing, the
 * partial-frame clock). It does not own the stream or decide to close:
 * unreadable input goes to `fail`, which the peer turns into a clean close.
 */
import type { ConnectionLogger } from '../logger';
import type { MessageCodec } from '../codec/codec';
import { findExcessiveNesting } from '../codec/depth';
import type { FrameDecoder } from '../framing/framing';
import type { Dispatcher } from '../protocol/dispatcher';

/** What the reader needs from its peer. @internal */
export interface ReaderHost {
  readonly logger: ConnectionLogger;
  readonly codec: MessageCodec;
  readonly decoder: FrameDecoder;
  readonly dispatcher: Dispatcher;
  /** True when a payload that fails to decode can be answered with -32700 and reading go on. */
  readonly resyncOnDecodeError: boolean;
  /** True when payloads are JSON text whose nesting is checked before parsing. */
  readonly checkNesting: boolean;
  readonly maxNestingDepth: number;
  /** ms a frame may take from first to last byte; 0 disables. */
  readonly partialFrameTimeout: number;
  /** True once the connection is closed: nothing more is read. */
  readonly closed: boolean;
  /** Unreadable input: log, report and close. */
  fail(err: unknown, what: string): void;
}

/** Reads one connection's incoming bytes. @internal */
export class InboundReader {
  private partialFrameTimer: NodeJS.Timeout | undefined;
  private framesReceived = 0;

  constructor(private readonly host: ReaderHost) {}

  /** Feeds one chunk from the stream. */
  readonly onData = (chunk: Buffer): void => {
    const { host } = this;
    if (host.closed) return;
    const framesBefore = this.framesReceived;
    try {
      host.decoder.push(chunk, this.onFrame);
    } catch (err) {
      host.fail(err, 'unreadable input from the peer');
      return;
    }
    // A frame begun must finish within partialFrameTimeout (slow-loris guard).
    if (host.decoder.bufferedBytes > 0) {
      // A frame completed in this chunk: the one now pending began here, so its clock restarts.
      if (this.partialFrameTimer && this.framesReceived !== framesBefore) this.partialFrameTimer.refresh();
      else if (!this.partialFrameTimer && host.partialFrameTimeout > 0 && !host.closed) {
        this.partialFrameTimer = setTimeout(this.onPartialFrameTimeout, host.partialFrameTimeout);
        this.partialFrameTimer.unref();
      }
    } else this.stop();
  };

  /** Stops the partial-frame clock (between frames, or on close). */
  stop(): void {
    if (this.partialFrameTimer) clearTimeout(this.partialFrameTimer);
    this.partialFrameTimer = undefined;
  }

  private readonly onPartialFrameTimeout = (): void => {
    this.partialFrameTimer = undefined;
    const { host } = this;
    const ms = host.partialFrameTimeout;
    host.fail(new Error(`${host.decoder.bufferedBytes} bytes of a frame not completed within ${ms} ms`), 'partial frame timeout');
  };

  private readonly onFrame = (payload: Buffer): void => {
    const { host } = this;
    if (host.closed) return;
    this.framesReceived++;
    if (host.checkNesting && findExcessiveNesting(payload, host.maxNestingDepth) >= 0) {
      host.logger.warn({ bytes: payload.length }, 'message nested deeper than maxNestingDepth; answered -32700');
      host.dispatcher.parseError(`nesting deeper than ${host.maxNestingDepth}`);
      return;
    }
    let value: unknown;
    try {
      value = host.codec.decode(payload);
    } catch (err) {
      // Thrown on through decoder.push to onData, which closes: BSON cannot resynchronise.
      if (!host.resyncOnDecodeError) throw err;
      host.logger.warn({ err }, 'payload did not parse; answered -32700');
      host.dispatcher.parseError(err instanceof Error ? err.message : String(err));
      return;
    }
    if (host.logger.isLevelEnabled('trace')) host.logger.trace({ message: value }, 'received');
    host.dispatcher.dispatch(value);
  };
}
