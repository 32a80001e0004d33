/**
 * Ways to cut a byte stream into the chunks a reader receives, so a spec can
 * show its decoder does not care where the cuts fall.
 */

/** The two chunks of `buf` cut at `at`. */
export function splitAt(buf: Buffer, at: number): Buffer[] {
  return [buf.subarray(0, at), buf.subarray(at)];
}

/** `buf` in pieces of `size` bytes (the last may be shorter). */
export function* pieces(buf: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

/**
 * Copies of `buf`'s pieces, each in its own memory: a decoder that kept a
 * view into a chunk the caller later overwrote would be caught by tests
 * that scribble over the originals.
 */
export function ownedPieces(buf: Buffer, size: number): Buffer[] {
  return [...pieces(buf, size)].map((p) => Buffer.from(p));
}
