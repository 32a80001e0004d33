/**
 * An in-memory pair of linked Duplex streams: what one side writes, the
 * other reads. Used to test peers without sockets, and handy for two peers
 * in one process. Behaves like a socket pair: ending one side ends the
 * other's readable side; destroying one side closes both.
 */
import { Duplex } from 'node:stream';

class MemoryEnd extends Duplex {
  other!: MemoryEnd;

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // Deliver asynchronously, as a socket would: a write never re-enters the reader in the same stack.
    const other = this.other;
    setImmediate(() => {
      if (!other.destroyed) other.push(chunk);
      cb();
    });
  }

  override _read(): void {
    // Data is pushed by the other end.
  }

  override _final(cb: (err?: Error | null) => void): void {
    const other = this.other;
    setImmediate(() => {
      if (!other.destroyed) other.push(null);
      cb();
    });
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const other = this.other;
    if (!other.destroyed) setImmediate(() => other.destroy());
    cb(err);
  }
}

/**
 * Creates two linked in-memory Duplex streams.
 * @returns `[a, b]`: bytes written to `a` are read from `b`, and back.
 */
export function createDuplexPair(): [Duplex, Duplex] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.other = b;
  b.other = a;
  return [a, b];
}
