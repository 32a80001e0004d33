/**
 * Shared machinery of the built-in framings: the buffer for a frame that
 * spans chunks, and the helpers their encoders and error messages use.
 *
 * @internal Not part of the public surface; custom framings write their own.
 */
import { EncodingError } from '../errors';

/**
 * Pieces smaller than this are copied into a scratch buffer instead of being
 * kept as views: a peer that trickles a large frame a few bytes per read
 * would otherwise make us hold one view object (~100 bytes of heap) per few
 * bytes of payload, many times the payload itself.
 */
const SMALL_PIECE = 512;
/** How many pieces of any size are kept as views before small ones are copied. */
const FREE_VIEWS = 8;
/** Size of each scratch buffer that small pieces are gathered into. */
const SCRATCH_SIZE = 4096;

/**
 * The bytes received so far of one frame that has not finished. Pieces are
 * kept as a list and joined once, when the frame completes, so a frame that
 * arrives in n chunks costs O(n) and not O(n²).
 *
 * Every buffer handed out by {@link PartialFrame.take} is either a view of
 * a pushed chunk or memory this object allocated and then abandoned: nothing
 * is written to it afterwards, so payloads stay valid for as long as the
 * receiver keeps them.
 */
export class PartialFrame {
  /** Made on the first piece: a connection between frames (the usual state) holds no array. */
  private parts: Buffer[] | undefined = undefined;
  private scratch: Buffer | null = null;
  private scratchUsed = 0;
  /** Bytes held, including those in the scratch buffer. */
  length = 0;

  /** Appends a piece (a view of a chunk; small ones are copied). */
  add(piece: Buffer): void {
    const n = piece.length;
    if (n === 0) return;
    this.length += n;
    // The first few pieces stay views whatever their size: the common case,
    // a frame cut by one or two chunk boundaries, then costs no copy beyond
    // the final join.
    if (n >= SMALL_PIECE || (this.scratch === null && (this.parts === undefined || this.parts.length < FREE_VIEWS))) {
      this.flushScratch();
      (this.parts ??= []).push(piece);
      return;
    }
    let offset = 0;
    while (offset < n) {
      if (this.scratch === null) {
        this.scratch = Buffer.allocUnsafe(SCRATCH_SIZE);
        this.scratchUsed = 0;
      }
      const copied = piece.copy(this.scratch, this.scratchUsed, offset);
      this.scratchUsed += copied;
      offset += copied;
      if (this.scratchUsed === SCRATCH_SIZE) this.flushScratch();
    }
  }

  /**
   * Returns the whole frame (the held pieces followed by `last`, which is
   * not retained) and empties this object. Joins with one `Buffer.concat`
   * at most, and not at all when a single piece holds everything.
   */
  take(last?: Buffer): Buffer {
    this.flushScratch();
    const parts = this.parts;
    let total = this.length;
    this.parts = undefined;
    this.length = 0;
    if (parts === undefined) return last !== undefined && last.length > 0 ? last : Buffer.alloc(0);
    if (last !== undefined && last.length > 0) {
      parts.push(last);
      total += last.length;
    }
    if (parts.length === 1) return parts[0];
    if (parts.length === 0) return Buffer.alloc(0);
    return Buffer.concat(parts, total);
  }

  /** Drops everything held (a truncated frame being discarded). */
  clear(): void {
    this.parts = undefined;
    this.scratch = null;
    this.scratchUsed = 0;
    this.length = 0;
  }

  private flushScratch(): void {
    if (this.scratch !== null && this.scratchUsed > 0) {
      // The scratch buffer is abandoned rather than rewound: the view just
      // pushed may end up inside a payload the receiver keeps.
      (this.parts ??= []).push(this.scratch.subarray(0, this.scratchUsed));
      this.scratch = null;
      this.scratchUsed = 0;
    }
  }
}

/** Formats a byte for an error message: `0x41 ('A')` or `0x1e`. */
export function describeByte(byte: number): string {
  const hex = `0x${byte.toString(16).padStart(2, '0')}`;
  return byte >= 0x20 && byte < 0x7f ? `${hex} ('${String.fromCharCode(byte)}')` : hex;
}

/**
 * Throws `EncodingError` when a JSON text holds a raw line feed: a framing
 * that ends frames at LF (ndjson, and rfc7464 as Python reads it) would cut
 * it in two. Only a custom codec that pretty-prints can produce one.
 */
export function refuseRawLineFeed(framing: string, payload: string | Buffer): void {
  if (typeof payload === 'string' ? payload.indexOf('\n') !== -1 : payload.indexOf(0x0a) !== -1) {
    throw new EncodingError(`${framing}: the JSON text contains a raw line feed; the codec must produce compact JSON`);
  }
}

/** The UTF-8 size of a payload in bytes. */
export function payloadLength(payload: string | Buffer): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
}

/**
 * Frames an already encoded payload between an ASCII header and an optional
 * one-byte trailer with a single allocation (the hot path of every send).
 * `length` is the payload's byte length when the caller already knows it.
 */
export function wrapPayload(header: string, payload: string | Buffer, trailer?: number, length = payloadLength(payload)): Buffer {
  const headerLen = header.length;
  const total = headerLen + length + (trailer === undefined ? 0 : 1);
  const out = Buffer.allocUnsafe(total);
  if (headerLen > 0) out.write(header, 0, headerLen, 'latin1');
  if (typeof payload === 'string') out.write(payload, headerLen, length, 'utf8');
  else payload.copy(out, headerLen);
  if (trailer !== undefined) out[total - 1] = trailer;
  return out;
}
