/**
 * How a peer hands frames to its stream: the writes of one tick leave
 * together (one writev), but once 4 KiB wait they go without waiting for
 * the tick to end, and text framings hand the stream strings (encoded once, by the
 * stream) rather than Buffers. Observed through a Duplex that records every
 * _write/_writev call: counts and order, not timing.
 */
import { Duplex } from 'node:stream';
import { BsonRpc, JsonRpc, serviceClass } from '../../lib';
import { JSON_WIRES } from '../helpers/raw';

/** A Duplex that records what each write call to it carried. */
class Recorder extends Duplex {
  readonly calls: Array<Array<string | Buffer>> = [];
  constructor() {
    super({ decodeStrings: false });
  }
  override _read(): void {}
  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.calls.push([chunk]);
    cb();
  }
  override _writev(chunks: Array<{ chunk: string | Buffer }>, cb: (err?: Error | null) => void): void {
    this.calls.push(chunks.map((c) => c.chunk));
    cb();
  }
  /** Bytes each write call carried (strings counted as the stream counts them). */
  sizes(): number[] {
    return this.calls.map((c) => c.reduce((n, x) => n + x.length, 0));
  }
  /** Every frame written so far, as text, in order. */
  frames(): string[] {
    return this.calls.flat().map((c) => (typeof c === 'string' ? c : c.toString('latin1')));
  }
}

@serviceClass
class Nothing {}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('writes', () => {
  test('notifications sent in one tick leave in one writev', async () => {
    const socket = new Recorder();
    const rpc = new JsonRpc(socket, new Nothing(), { framing: 'ndjson' });
    for (let i = 0; i < 5; i++) rpc.invokeNotification('n', i);
    expect(socket.calls).toEqual([]); // nothing before the tick ends
    await tick();
    expect(socket.calls.map((c) => c.length)).toEqual([5]);
    rpc.close();
  });

  test('a long burst is flushed in pieces of about 4 KiB, in order, nothing lost', async () => {
    const socket = new Recorder();
    const rpc = new JsonRpc(socket, new Nothing(), { framing: 'ndjson' });
    const n = 1000; // ~40 bytes each: ~40 KiB in one tick
    for (let i = 0; i < n; i++) rpc.invokeNotification('n', i);
    // Most of the burst is on its way while the tick still runs.
    const early = socket.calls.length;
    expect(early).toBeGreaterThanOrEqual(8);
    await tick();
    const sizes = socket.sizes();
    expect(sizes.length).toBe(early + 1);
    const frame = 50; // no frame here is longer
    for (const size of sizes.slice(0, -1)) {
      expect(size).toBeGreaterThanOrEqual(4096);
      expect(size).toBeLessThan(4096 + frame);
    }
    const ids = socket.frames().map((f) => JSON.parse(f).params[0]);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => i));
    rpc.close();
  });

  test('a burst under 4 KiB waits for the end of the tick and leaves whole', async () => {
    const socket = new Recorder();
    const rpc = new JsonRpc(socket, new Nothing(), { framing: 'ndjson' });
    for (let i = 0; i < 50; i++) rpc.invokeNotification('n', i);
    expect(socket.calls).toEqual([]);
    await tick();
    expect(socket.calls.map((c) => c.length)).toEqual([50]);
    rpc.close();
  });

  test('writes of separate ticks are separate writes', async () => {
    const socket = new Recorder();
    const rpc = new JsonRpc(socket, new Nothing());
    rpc.invokeNotification('a');
    await tick();
    rpc.invokeNotification('b');
    await tick();
    expect(socket.calls.map((c) => c.length)).toEqual([1, 1]);
    expect(socket.frames()).toEqual(['\x1e{"jsonrpc":"2.0","method":"a"}\n', '\x1e{"jsonrpc":"2.0","method":"b"}\n']);
    rpc.close();
  });

  test.each(JSON_WIRES)(
    'JsonRpc over %s writes strings; multi-byte text arrives intact',
    async (framing) => {
      const socket = new Recorder();
      const rpc = new JsonRpc(socket, new Nothing(), { framing });
      rpc.invokeNotification('é', '日本 🎉');
      await tick();
      const [chunk] = socket.calls.flat();
      expect(typeof chunk).toBe('string');
      const bytes = Buffer.from(chunk as string, 'utf8');
      const text = '{"jsonrpc":"2.0","method":"é","params":["日本 🎉"]}';
      expect(bytes.includes(Buffer.from(text, 'utf8'))).toBe(true);
      rpc.close();
    },
  );

  test.each(['rfc7464', 'ndjson'] as const)('over %s a pretty-printing codec is still refused (no scan is skipped for it)', async (framing) => {
    const socket = new Recorder();
    const pretty = { parse: JSON.parse, stringify: (v: unknown) => JSON.stringify(v, null, 2) };
    const rpc = new JsonRpc(socket, new Nothing(), { framing, codec: pretty });
    expect(() => rpc.invokeNotification('x', 1)).toThrow(/raw line feed/);
    await expect(rpc.invokeRequest('x', 1)).rejects.toThrow(/raw line feed/);
    await tick();
    expect(socket.calls).toEqual([]);
    rpc.close();
  });

  test('a custom framing without encodeText still gets its Buffer written', async () => {
    const socket = new Recorder();
    const framing = {
      name: 'bytes',
      createDecoder: () => ({ bufferedBytes: 0, push: () => undefined }),
      encode: (p: string | Buffer) => Buffer.concat([Buffer.from('<'), Buffer.from(p), Buffer.from('>')]),
    };
    const rpc = new JsonRpc(socket, new Nothing(), { framing });
    rpc.invokeNotification('x');
    await tick();
    const [chunk] = socket.calls.flat();
    expect(Buffer.isBuffer(chunk)).toBe(true);
    expect((chunk as Buffer).toString()).toBe('<{"jsonrpc":"2.0","method":"x"}>');
    rpc.close();
  });

  test('BsonRpc writes Buffers, flushed by the same rule', async () => {
    const socket = new Recorder();
    const rpc = new BsonRpc(socket, new Nothing());
    for (let i = 0; i < 300; i++) rpc.invokeNotification('n', i);
    await tick();
    const sizes = socket.sizes();
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThanOrEqual(4096);
    expect(socket.calls.flat().every((c) => Buffer.isBuffer(c))).toBe(true);
    expect(socket.calls.flat().length).toBe(300);
    rpc.close();
  });
});
