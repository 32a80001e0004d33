/**
 * Every limit option at and just over its bound, over raw bytes on an
 * in-memory duplex: what is still served at the bound, and what the peer
 * does one step past it (the JSON-RPC error the limit names, a paused
 * reader, or a clean close with a logged reason carrying the connection id).
 */
import { Duplex } from 'node:stream';
import { BSON } from 'bson';
import { createDuplexPair, JsonRpc, PeerOptions, request, RpcPeer, serviceClass } from '../../lib';
import { TooManyPendingRequests } from '../../lib/errors';
import { resolveFraming } from '../../lib/framing';
import { logSink, LogSink } from '../helpers/log-sink';
import { JSON_WIRES, RawEnd, Wire, wirePeer } from '../helpers/raw';
import { sleep } from '../helpers/wait';

@serviceClass
class LimitServer {
  running = 0;
  peak = 0;
  started = 0;
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;
  @request echo(x: unknown) {
    return x;
  }
  @request ping() {
    return 'pong';
  }
  @request big(n: number) {
    return 'x'.repeat(n);
  }
  @request async bigLater(n: number) {
    await sleep(10);
    return 'x'.repeat(n);
  }
  @request async slow(ms: number) {
    this.started++;
    this.peak = Math.max(this.peak, ++this.running);
    await sleep(ms);
    this.running--;
    return ms;
  }
  /** Waits until `release()`. */
  @request async gated(i: number) {
    this.started++;
    await this.gate;
    return i;
  }
  hold(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  release(): void {
    this.open();
  }
}

interface Served {
  raw: RawEnd;
  peer: RpcPeer;
  logs: LogSink;
  services: LimitServer;
  /** The server's end of the duplex. */
  socket: Duplex;
}

/** Serves `LimitServer` on `wire` over `sockets` (the server's end, then the raw end's). */
function serve(wire: Wire, options: PeerOptions = {}, sockets: [Duplex, Duplex] = createDuplexPair()): Served {
  const logs = logSink('debug');
  const services = new LimitServer();
  const [server, client] = sockets;
  const peer = wirePeer(wire, server, services, { logger: logs.logger, connectionId: 'srv', ...options });
  return { raw: new RawEnd(client, resolveFraming(wire)), peer, logs, services, socket: server };
}

/** Encodes a message for `wire` (JSON text or BSON document). */
function payload(wire: Wire, message: Record<string, unknown>): string | Buffer {
  return wire === 'bson' ? Buffer.from(BSON.serialize(message)) : JSON.stringify(message);
}

async function next(wire: Wire, raw: RawEnd, ms = 2000): Promise<any> {
  const frame = await raw.next(ms);
  return wire === 'bson' ? BSON.deserialize(frame) : JSON.parse(frame.toString('utf8'));
}

/** The close was logged at warn with a reason and the connection id. */
function expectLoggedClose(logs: LogSink, reason: RegExp): void {
  const line = logs.warnings().find((l) => /closing the connection/.test(l.msg) && reason.test(`${l.msg} ${l.err?.message ?? ''}`));
  expect(line).toBeDefined();
  expect(line?.connectionId).toBe('srv');
}

/** A request to `echo` whose encoded payload is exactly `size` bytes, and the string it echoes. */
function echoOfSize(wire: Wire, size: number): { frame: string | Buffer; pad: string } {
  const vk = wire === 'bson' ? 'bsonrpc' : 'jsonrpc';
  const base = (pad: string) => payload(wire, { [vk]: '2.0', method: 'echo', params: [pad], id: 1 });
  const pad = 'y'.repeat(size - base('').length);
  return { frame: base(pad), pad };
}

describe('maxMessageSize', () => {
  const LIMIT = 1000;
  for (const wire of [...JSON_WIRES, 'bson'] as Wire[]) {
    test(`${wire}: a frame of exactly maxMessageSize is served, one byte more closes with a logged reason`, async () => {
      const ok = serve(wire, { maxMessageSize: LIMIT });
      const atBound = echoOfSize(wire, LIMIT);
      expect(atBound.frame.length).toBe(LIMIT);
      ok.raw.send(atBound.frame);
      expect((await next(wire, ok.raw)).result).toBe(atBound.pad);
      ok.peer.close();

      const over = serve(wire, { maxMessageSize: LIMIT });
      over.raw.send(echoOfSize(wire, LIMIT + 1).frame);
      expect(await over.raw.whenClosed(1000)).toBe(true);
      expect(over.raw.frames).toEqual([]);
      expectLoggedClose(over.logs, /maxMessageSize/);
    });
  }

  test.each([
    ['netstring', '1073741824:'],
    ['content-length', 'Content-Length: 1073741824\r\n\r\n'],
  ] as const)('%s: a header announcing 1 GB closes at once, before any body is sent', async (wire, header) => {
    const { raw, logs } = serve(wire);
    raw.write(header);
    expect(await raw.whenClosed(500)).toBe(true);
    expectLoggedClose(logs, /maxMessageSize/);
  });

  test('bson: a length prefix announcing 1 GB closes at once', async () => {
    const { raw, logs } = serve('bson');
    const prefix = Buffer.alloc(4);
    prefix.writeInt32LE(1 << 30);
    raw.write(prefix);
    expect(await raw.whenClosed(500)).toBe(true);
    expectLoggedClose(logs, /maxMessageSize/);
  });

  test.each([
    ['rfc7464', '\x1e'],
    ['ndjson', ''],
    ['frameless', '{"a":"'],
  ] as const)('%s: a partial frame closes once it passes the limit, not before', async (wire, start) => {
    const { raw, peer, logs } = serve(wire, { maxMessageSize: LIMIT });
    raw.write(start + 'z'.repeat(LIMIT - start.length + (wire === 'rfc7464' ? 1 : 0)));
    await raw.quiet(30);
    expect(raw.closed).toBe(false);
    raw.write('zz');
    expect(await raw.whenClosed(500)).toBe(true);
    expect(peer.isClosed).toBe(true);
    expectLoggedClose(logs, /maxMessageSize/);
  });
});

describe('maxBatchLength', () => {
  const call = (i: number) => ({ jsonrpc: '2.0', method: 'echo', params: [i], id: i });
  test('a batch of exactly maxBatchLength is answered in full; one more gets one -32600 and the connection stays open', async () => {
    const { raw } = serve('rfc7464', { maxBatchLength: 5 });
    raw.send(JSON.stringify([1, 2, 3, 4, 5].map(call)));
    const answers = await raw.nextJson();
    expect(answers.map((a: any) => a.result).sort()).toEqual([1, 2, 3, 4, 5]);
    raw.send(JSON.stringify([1, 2, 3, 4, 5, 6].map(call)));
    const refused = await raw.nextJson();
    expect(Array.isArray(refused)).toBe(false);
    expect(refused).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: null });
    raw.send(JSON.stringify(call(7)));
    expect((await raw.nextJson()).result).toBe(7);
  });

  test('the default (1000) holds too', async () => {
    const { raw } = serve('rfc7464');
    raw.send(JSON.stringify(Array.from({ length: 1001 }, (_, i) => call(i))));
    expect(await raw.nextJson()).toMatchObject({ error: { code: -32600 }, id: null });
  });
});

describe('maxNestingDepth', () => {
  const nested = (k: number) => '['.repeat(k) + ']'.repeat(k);
  // The request object is level 1 and its params array level 2.
  const deepEcho = (k: number) => `{"jsonrpc":"2.0","method":"echo","params":[${nested(k)}],"id":1}`;

  test('a 10 MB run of "[" in one rfc7464 frame is refused quickly (-32700 or close)', async () => {
    const { raw, peer } = serve('rfc7464');
    raw.send('['.repeat(10 * 1024 * 1024));
    const t0 = Date.now();
    const answer = await raw.nextJson(2000).catch(() => undefined);
    if (answer === undefined) expect(peer.isClosed).toBe(true);
    else expect(answer).toMatchObject({ error: { code: -32700 }, id: null });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  test('a balanced nest at the limit is served; one level deeper is -32700 and the connection stays open', async () => {
    const { raw } = serve('rfc7464', { maxNestingDepth: 10 });
    raw.send(deepEcho(8));
    expect(await raw.nextJson()).toMatchObject({ result: JSON.parse(nested(8)), id: 1 });
    raw.send(deepEcho(9));
    expect(await raw.nextJson()).toMatchObject({ error: { code: -32700 }, id: null });
    raw.send('{"jsonrpc":"2.0","method":"ping","id":2}');
    expect(await raw.nextJson()).toMatchObject({ result: 'pong', id: 2 });
  });

  test('the default (128): 129 levels are -32700', async () => {
    const { raw } = serve('ndjson');
    raw.send(deepEcho(127));
    expect(await raw.nextJson()).toMatchObject({ error: { code: -32700 }, id: null });
  });

  test('bson: a 1 MB nest of documents is refused (error or close), never answered with a result', async () => {
    const { raw, peer } = serve('bson');
    // Built by hand: js-bson would recurse that deep. Each level is {"a": <doc>}: 8 bytes.
    const levels = 125_000;
    const parts: Buffer[] = [];
    let size = 5;
    const sizes: number[] = [];
    for (let i = 0; i < levels; i++) sizes.push((size += 8));
    for (let i = levels - 1; i >= 0; i--) {
      const h = Buffer.alloc(7);
      h.writeInt32LE(sizes[i]);
      h[4] = 0x03;
      h[5] = 0x61;
      h[6] = 0;
      parts.push(h);
    }
    const inner = Buffer.from([5, 0, 0, 0, 0]);
    const doc = Buffer.concat([...parts, inner, Buffer.alloc(levels, 0)]);
    expect(doc.readInt32LE(0)).toBe(doc.length);
    raw.write(doc);
    const answer = await next('bson', raw, 2000).catch(() => undefined);
    if (answer === undefined) expect(await raw.whenClosed(100)).toBe(true);
    else expect(answer.result).toBeUndefined();
    expect(peer.isClosed || answer?.error).toBeTruthy();
  });
});

describe('maxConcurrentRequests', () => {
  test('N + k slow requests: at most N run at once, the rest wait, all complete', async () => {
    const { raw, services } = serve('rfc7464', { maxConcurrentRequests: 3 });
    for (let i = 0; i < 7; i++) raw.send(JSON.stringify({ jsonrpc: '2.0', method: 'slow', params: [20], id: i }));
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push((await raw.nextJson()).id);
    expect(ids.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(services.peak).toBe(3);
  });
});

describe('maxQueuedMessages', () => {
  test('reading pauses when the queue is full and resumes once it is half empty', async () => {
    const { raw, services, socket } = serve('rfc7464', { maxConcurrentRequests: 1, maxQueuedMessages: 4 });
    services.hold();
    for (let i = 0; i < 20; i++) {
      raw.send(JSON.stringify({ jsonrpc: '2.0', method: 'gated', params: [i], id: i }));
      await new Promise((r) => setImmediate(r));
    }
    await raw.quiet(20);
    expect(socket.isPaused()).toBe(true);
    // One running, four waiting: the other fifteen frames are still unread bytes.
    expect(services.started).toBe(1);
    expect(socket.readableLength).toBeGreaterThan(0);
    services.release();
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push((await raw.nextJson()).id);
    expect(ids).toEqual([...Array(20).keys()]);
    expect(socket.isPaused()).toBe(false);
  });
});

describe('maxPendingRequests', () => {
  test('the call past the limit rejects at once with TooManyPendingRequests and sends nothing', async () => {
    const [mine, theirs] = createDuplexPair();
    const logs = logSink();
    const client = new JsonRpc(mine, null, { maxPendingRequests: 3, logger: logs.logger, connectionId: 'cli' });
    const silent = new RawEnd(theirs, resolveFraming('rfc7464'));
    const calls = [1, 2, 3].map((i) => client.invokeRequest('never', i));
    for (const c of calls) c.catch(() => undefined);
    const t0 = Date.now();
    const refused = (await client.invokeRequest('never', 4).catch((e: Error) => e)) as Error;
    expect(refused).toBeInstanceOf(TooManyPendingRequests);
    expect(String(refused.message)).toMatch(/cli/);
    expect(Date.now() - t0).toBeLessThan(50);
    await expect(client.batchCall((b) => b.never(5))).rejects.toBeInstanceOf(TooManyPendingRequests);
    await silent.quiet(30);
    expect(silent.frames.map((f) => JSON.parse(String(f)).params)).toEqual([[1], [2], [3]]);
    client.close();
    await Promise.allSettled(calls);
  });
});

describe('partialFrameTimeout', () => {
  const halves: Record<Wire, string | Buffer> = {
    rfc7464: '\x1e{"jsonrpc":"2.0","meth',
    ndjson: '{"jsonrpc":"2.0","meth',
    netstring: '40:{"jsonrpc":"2.0"',
    'content-length': 'Content-Length: 40\r\n\r\n{"json',
    frameless: '{"jsonrpc":"2.0","meth',
    bson: Buffer.from(BSON.serialize({ bsonrpc: '2.0', method: 'ping', id: 1 })).subarray(0, 12),
  };
  for (const wire of [...JSON_WIRES, 'bson'] as Wire[]) {
    test(`${wire}: a frame begun and never finished closes with a logged reason`, async () => {
      const { raw, logs } = serve(wire, { partialFrameTimeout: 100 });
      raw.write(halves[wire]);
      expect(await raw.whenClosed(1000)).toBe(true);
      expectLoggedClose(logs, /partial frame timeout/);
    });
  }

  test('a frame trickled in within the timeout is served', async () => {
    const { raw } = serve('netstring', { partialFrameTimeout: 300 });
    const frame = resolveFraming('netstring').encode('{"jsonrpc":"2.0","method":"ping","id":1}');
    for (let i = 0; i < frame.length; i += 8) {
      raw.write(frame.subarray(i, i + 8));
      await sleep(5);
    }
    expect(await raw.nextJson()).toMatchObject({ result: 'pong', id: 1 });
    expect(raw.closed).toBe(false);
  });

  test('steady traffic whose chunks always end mid-frame is not mistaken for a slow frame', async () => {
    // Pipelined TCP reads rarely end on a frame boundary: every frame here
    // finishes well within the timeout, but the buffer is never empty.
    const { raw, logs } = serve('rfc7464', { partialFrameTimeout: 150 });
    const frames = Buffer.concat(Array.from({ length: 40 }, (_, i) => resolveFraming('rfc7464').encode(`{"jsonrpc":"2.0","method":"ping","id":${i}}`)));
    const step = Math.ceil(frames.length / 40) + 3;
    for (let at = 0; at < frames.length; at += step) {
      raw.write(frames.subarray(at, at + step));
      await sleep(12);
    }
    await raw.quiet(20);
    expect(logs.warnings().map((l) => l.msg)).toEqual([]);
    expect(raw.closed).toBe(false);
    expect(raw.frames.length).toBe(40);
  });
});

describe('maxWriteBuffer', () => {
  /** A stream whose other side never reads: writes are accepted and never completed. */
  function stalled(): [Duplex, Duplex] {
    const [a, b] = createDuplexPair();
    const held: Array<() => void> = [];
    const server = new Duplex({
      read() {},
      write(_chunk, _enc, cb) {
        held.push(cb);
      },
    });
    // Input written to `b` reaches the server through `a`; output goes nowhere.
    a.on('data', (c: Buffer) => server.push(c));
    server.on('close', () => a.destroy());
    return [server, b];
  }

  // A sync handler's answer that makes write() return false stops new
  // requests from starting, so only answers already being produced (async
  // handlers that started earlier, or one batch answer) can pile up.
  const bigLater = (id: number, n: number) => ({ jsonrpc: '2.0', method: 'bigLater', params: [n], id });

  test('answers up to maxWriteBuffer stay queued; past it the connection closes ("peer is not reading")', async () => {
    const [server, rawSide] = stalled();
    const s = serve('rfc7464', { maxWriteBuffer: 100_000 }, [server, rawSide]);
    s.raw.send(JSON.stringify([bigLater(1, 40_000), bigLater(2, 40_000)]));
    await sleep(60);
    expect(s.peer.isClosed).toBe(false);
    expect(server.writableLength).toBeGreaterThan(80_000);
    expect(server.writableLength).toBeLessThanOrEqual(100_000);
    server.destroy();

    const [server2, rawSide2] = stalled();
    const t = serve('rfc7464', { maxWriteBuffer: 100_000 }, [server2, rawSide2]);
    for (let i = 0; i < 3; i++) t.raw.send(JSON.stringify(bigLater(i, 40_000)));
    await sleep(60);
    expect(t.peer.isClosed).toBe(true);
    expectLoggedClose(t.logs, /not reading/);
    server2.destroy();
  });
});
