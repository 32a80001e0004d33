/**
 * How a peer hands frames to its stream: the writes of one tick leave
 * together (one writev), but never more than 32 frames wait for the tick to
 * end, and text framings hand the stream strings (encoded once, by the
 * stream) rather than Buffers. Observed through a Duplex that records every
 * _write/_writev call: counts and order, not timing.
 */
import { Duplex } from 'node:stream';
import { BsonRpc, JsonRpc, serviceClass } from '../../lib';

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

  test('a long burst is flushed every 32 frames, in order, nothing lost', async () => {
    const socket = new Recorder();
    const rpc = new JsonRpc(socket, new Nothing(), { framing: 'ndjson' });
    for (let i = 0; i < 100; i++) rpc.invokeNotification('n', i);
    // The first 96 are already on their way while the tick still runs.
    expect(socket.calls.map((c) => c.length)).toEqual([32, 32, 32]);
    await tick();
    expect(socket.calls.map((c) => c.length)).toEqual([32, 32, 32, 4]);
    const ids = socket.frames().map((f) => JSON.parse(f).params[0]);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i));
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

  test.each(['rfc7464', 'ndjson', 'netstring', 'content-length', 'frameless'] as const)(
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
    for (let i = 0; i < 40; i++) rpc.invokeNotification('n', i);
    await tick();
    expect(socket.calls.map((c) => c.length)).toEqual([32, 8]);
    expect(socket.calls.flat().every((c) => Buffer.isBuffer(c))).toBe(true);
    rpc.close();
  });
});
