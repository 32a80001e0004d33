/**
 * What every built-in decoder shares: a checked size limit, the buffer of
 * the frame in progress, and a failure that sticks.
 *
 * @internal Not part of the public surface; custom framings write their own.
 */
import { FramingError } from '../errors';
import type { FrameDecoder, FrameDecoderOptions } from './framing';
import { PartialFrame } from './partial-frame';

/**
 * Validates `maxMessageSize` once per decoder so that a typo (a string, a
 * negative number) fails loudly instead of disabling the limit. `Infinity`
 * is accepted for callers that really want no limit.
 */
export function checkMaxMessageSize(framing: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new TypeError(`${framing}: maxMessageSize must be a non-negative number of bytes, got ${String(value)}`);
  }
  return value;
}

/**
 * Base of the built-in decoders. A decoder that has thrown stays failed:
 * after garbage it cannot resynchronise on, nothing that follows can be
 * trusted, so each `push` starts with `if (this.failure) throw this.failure`
 * (written inline there, on the hot path, rather than behind a call).
 */
export abstract class DecoderBase implements FrameDecoder {
  /** The limit from the options, validated. */
  protected readonly maxMessageSize: number;
  /** The bytes received so far of the frame in progress. */
  protected readonly partial = new PartialFrame();
  /** The error this decoder failed with; null while it is healthy. */
  protected failure: FramingError | null = null;

  constructor(
    private readonly framingName: string,
    options: FrameDecoderOptions,
  ) {
    this.maxMessageSize = checkMaxMessageSize(framingName, options.maxMessageSize);
  }

  /** Bytes of the unfinished frame held (0 between frames). */
  get bufferedBytes(): number {
    return this.partial.length;
  }

  /** {@inheritDoc FrameDecoder.push} */
  abstract push(chunk: Buffer, onFrame: (payload: Buffer) => void): void;

  /** Drops whatever the unfinished frame holds, so a failed decoder keeps no memory. */
  protected discard(): void {
    this.partial.clear();
  }

  /** Discards the unfinished frame, records the failure (prefixed with the framing's name) and throws it. */
  protected fail(message: string): never {
    this.discard();
    this.failure = new FramingError(`${this.framingName}: ${message}`);
    throw this.failure;
  }
}
