/**
 * Server.broadcast over loopback: JSON in every framing a URL can pick,
 * BSON, and ws:// (JSON and BSON); exactly the message on the wire; the
 * count; closed peers skipped and a peer closing mid-broadcast; bad
 * arguments; one encoding (and one framing) for many receivers; the
 * cluster primary. Slow and flooding receivers are in
 * spec/hostile/broadcast.spec.ts.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { WebSocket } from 'ws';
import { BsonRpc, connect, EncodingError, notification, Server, serviceClass } from '../../lib';
import { BsonCodec } from '../../lib/codec/bson';
import { JsonCodec } from '../../lib/codec/json';
import { FRAMING_NAMES, resolveFraming } from '../../lib/framing';
import type { FramingName } from '../../lib/framing';
import type { AnyRpc } from '../../lib/net/options';
import { ClusterPrimary } from '../../lib/server/cluster';
import { StreamTransport } from '../../lib/transport/stream';
import { closedAfterEach } from '../helpers/opened';
import { sleep, until } from '../helpers/wait';

@serviceClass
class Listener {
  readonly got: unknown[][] = [];
  @notification news(text: string, n = -1): void {
    this.got.push(n === -1 ? [text] : [text, n]);
  }
  @notification stamp(at: Date, blob: Buffer): void {
    this.got.push([at, blob]);
  }
}

const { clients, sockets, serve } = closedAfterEach();

afterEach(() => jest.restoreAllMocks());

/** `n` clients, each serving its own Listener; resolves once the server has them all. */
async function listeners(server: Server, n: number, options = {}): Promise<Listener[]> {
  const services: Listener[] = [];
  for (let i = 0; i < n; i++) {
    const l = new Listener();
    clients.push(await connect(server.url, l, options));
    services.push(l);
  }
  await until(() => server.connections.size === n, `${n} connections`);
  return services;
}

/** The server-side peers, in the order they connected. */
const peersOf = (server: Server): AnyRpc[] => [...server.connections];

describe('receivers get exactly the message', () => {
  test.each(FRAMING_NAMES.map((f) => [f]))('JSON over tcp, framing %s: bsonrpc clients and the raw bytes', async (name: FramingName) => {
    const server = await serve('tcp://127.0.0.1:0', { framing: name });
    const got = await listeners(server, 3, { framing: name });
    const raw = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    sockets.push(raw);
    const frames: Buffer[] = [];
    const decoder = resolveFraming(name).createDecoder({ maxMessageSize: 1 << 20 });
    raw.on('data', (chunk: Buffer) => decoder.push(chunk, (p) => frames.push(Buffer.from(p))));
    await until(() => server.connections.size === 4, 'the raw client');

    expect(server.broadcast('news', ['héllo', 1])).toBe(4);
    expect(server.broadcast('news', { text: 'named', n: 2 })).toBe(4);
    await until(() => got.every((l) => l.got.length === 2) && frames.length === 2, 'every receiver');
    for (const l of got) expect(l.got).toEqual([['héllo', 1], ['named', 2]]);
    expect(frames.map((f) => f.toString('utf8'))).toEqual([
      '{"jsonrpc":"2.0","method":"news","params":["héllo",1]}',
      '{"jsonrpc":"2.0","method":"news","params":{"text":"named","n":2}}',
    ]);
  });

  test('no params: the message has none (as sendNotification without params)', async () => {
    const server = await serve('tcp://127.0.0.1:0?framing=ndjson');
    const raw = net.connect(Number(new URL(server.url).port), '127.0.0.1');
    sockets.push(raw);
    await until(() => server.connections.size === 1, 'the raw client');
    let text = '';
    raw.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    expect(server.broadcast('tick')).toBe(1);
    await until(() => text.endsWith('\n'), 'the line');
    expect(text).toBe('{"jsonrpc":"2.0","method":"tick"}\n');
  });

  test('BSON over tcp: Date and Buffer arrive as themselves', async () => {
    const server = await serve('tcp://127.0.0.1:0?protocol=bson');
    const got = await listeners(server, 3, { protocol: 'bson' });
    expect(clients.every((c) => c instanceof BsonRpc)).toBe(true);
    const at = new Date('2026-11-30T12:00:00Z');
    expect(server.broadcast('stamp', [at, Buffer.from([1, 2, 3])])).toBe(3);
    await until(() => got.every((l) => l.got.length === 1), 'every receiver');
    for (const l of got) expect(l.got).toEqual([[at, Buffer.from([1, 2, 3])]]);
  });

  test.each([
    ['json', false],
    ['bson', true],
  ])('ws:// %s: one WebSocket message per connection, of the right kind', async (protocol, binary) => {
    const server = await serve(`ws://127.0.0.1:0/rpc?protocol=${protocol}`);
    const got = await listeners(server, 2, { protocol });
    const plain = new WebSocket(server.url.replace(/\?.*$/, ''));
    sockets.push(plain);
    const messages: { data: Buffer; isBinary: boolean }[] = [];
    plain.on('message', (data: Buffer, isBinary: boolean) => messages.push({ data, isBinary }));
    await once(plain, 'open');
    await until(() => server.connections.size === 3, 'the plain client');

    expect(server.broadcast('news', ['over ws', 7])).toBe(3);
    await until(() => got.every((l) => l.got.length === 1) && messages.length === 1, 'every receiver');
    for (const l of got) expect(l.got).toEqual([['over ws', 7]]);
    expect(messages[0].isBinary).toBe(binary);
    const message = { [binary ? 'bsonrpc' : 'jsonrpc']: '2.0', method: 'news', params: ['over ws', 7] };
    expect(new (binary ? BsonCodec : JsonCodec)().decode(messages[0].data)).toEqual(message);
  });
});

describe('which connections', () => {
  test('the count is the live connections; closed ones are skipped; none is 0', async () => {
    const server = await serve('tcp://127.0.0.1:0');
    expect(server.broadcast('news', ['nobody'])).toBe(0);
    const got = await listeners(server, 3);
    clients[1].close();
    await until(() => server.connections.size === 2, 'the close to reach the server');
    expect(server.broadcast('news', ['two'])).toBe(2);
    await until(() => got[0].got.length === 1 && got[2].got.length === 1, 'the two');
    expect(got[1].got).toEqual([]);
  });

  test('once close() is called, idle connections are closed at once and skipped', async () => {
    const server = await serve('tcp://127.0.0.1:0');
    await listeners(server, 2);
    const closed = server.close({ timeout: 1000 });
    expect(server.broadcast('news', ['too late'])).toBe(0);
    await closed;
    expect(server.broadcast('news', ['after'])).toBe(0);
  });

  test('a peer already closed but still in connections is skipped', async () => {
    const server = await serve('tcp://127.0.0.1:0');
    const got = await listeners(server, 2);
    const [first, second] = peersOf(server);
    const counts: number[] = [];
    // Runs before the server's own 'close' handler: the peer is closed, and still in the set.
    second.prependListener('close', () => {
      expect(server.connections.has(second)).toBe(true);
      counts.push(server.broadcast('news', ['one']));
    });
    second.close();
    expect(counts).toEqual([1]);
    await until(() => got[0].got.length === 1, 'the first');
    await sleep(20);
    expect(got[1].got).toEqual([]);
    expect(first.isClosed).toBe(false);
  });

  test('a peer closing mid-broadcast is skipped; a nested broadcast from disconnect reaches the rest', async () => {
    const server = await serve('tcp://127.0.0.1:0');
    const got = await listeners(server, 3);
    const [p1, p2] = peersOf(server);
    server.on('disconnect', () => server.broadcast('news', ['someone left']));
    const t1 = p1.transport as StreamTransport;
    const original = t1.sendFrame.bind(t1);
    jest.spyOn(t1, 'sendFrame').mockImplementationOnce((frame) => {
      p2.close(); // synchronously: the server's 'close' handler runs, and so does the nested broadcast
      return original(frame);
    });
    expect(server.broadcast('news', ['hello'])).toBe(2);
    await until(() => got[0].got.length === 2 && got[2].got.length === 2, 'p1 and p3');
    for (const l of [got[0], got[2]]) expect(l.got).toEqual(expect.arrayContaining([['hello'], ['someone left']]));
    await sleep(20);
    expect(got[1].got).toEqual([]);
  });
});

describe('bad arguments throw at the caller and send nothing', () => {
  test.each([
    ['a method that is not a string', () => [42, ['x']], TypeError, /method must be a string/],
    ['params that are a string', () => ['news', 'x'], TypeError, /params of "news" must be an array or a plain object/],
    ['params that are a class instance', () => ['news', new Date()], TypeError, /must be an array or a plain object/],
    ['a bigint (JSON has none)', () => ['news', [1n]], EncodingError, /cannot encode message as JSON/],
    ['a cycle', () => ['news', (() => { const a: unknown[] = []; a.push(a); return a; })()], EncodingError, /cannot encode/],
  ])('%s', async (_what, args, type, message) => {
    const server = await serve('tcp://127.0.0.1:0');
    const got = await listeners(server, 2);
    const [method, params] = args() as [string, unknown[]];
    expect(() => server.broadcast(method, params)).toThrow(type);
    expect(() => server.broadcast(method, params)).toThrow(message);
    // The next message is the first anyone gets.
    expect(server.broadcast('news', ['marker'])).toBe(2);
    await until(() => got.every((l) => l.got.length === 1), 'the marker');
    for (const l of got) expect(l.got).toEqual([['marker']]);
  });

  test('a text the framing cannot carry (a raw line feed for rfc7464) is an EncodingError, nothing sent', async () => {
    const pretty = (v: unknown): boolean => (v as { params?: unknown[] }).params?.[0] === 'pretty';
    const json = { parse: JSON.parse, stringify: (v: unknown) => JSON.stringify(v, null, pretty(v) ? 2 : undefined) };
    const server = await serve('tcp://127.0.0.1:0', { codec: json });
    const got = await listeners(server, 2);
    expect(() => server.broadcast('news', ['pretty'])).toThrow(EncodingError);
    expect(server.broadcast('news', ['marker'])).toBe(2);
    await until(() => got.every((l) => l.got.length === 1), 'the marker');
    for (const l of got) expect(l.got).toEqual([['marker']]);
  });

  test('BSON: a top-level value BSON cannot carry is an EncodingError', async () => {
    const server = await serve('tcp://127.0.0.1:0?protocol=bson');
    await listeners(server, 1, { protocol: 'bson' });
    expect(() => server.broadcast('news', [Symbol('x')])).toThrow(EncodingError);
  });
});

describe('encoded once', () => {
  test.each([
    ['JSON over tcp', 'tcp://127.0.0.1:0', JsonCodec, {}],
    ['BSON over tcp', 'tcp://127.0.0.1:0?protocol=bson', BsonCodec, { protocol: 'bson' }],
    ['JSON over ws', 'ws://127.0.0.1:0/rpc', JsonCodec, {}],
    ['BSON over ws', 'ws://127.0.0.1:0/rpc?protocol=bson', BsonCodec, { protocol: 'bson' }],
  ] as const)('%s: one codec encode for 6 receivers', async (_what, url, Codec, options) => {
    const server = await serve(url);
    const got = await listeners(server, 6, options);
    const encode = jest.spyOn(Codec.prototype, 'encode');
    expect(server.broadcast('news', ['once', 1])).toBe(6);
    expect(encode).toHaveBeenCalledTimes(1);
    await until(() => got.every((l) => l.got.length === 1), 'every receiver');
  });

  test('a byte stream gets one frame for all: the framing runs once, every socket is handed the same Buffer', async () => {
    const server = await serve('tcp://127.0.0.1:0?framing=netstring');
    const got = await listeners(server, 5, { framing: 'netstring' });
    const framing = resolveFraming('netstring');
    const encode = jest.spyOn(Object.getPrototypeOf(framing) as typeof framing, 'encode');
    const written = new Set<unknown>();
    for (const peer of peersOf(server)) {
      const t = peer.transport as StreamTransport;
      const original = t.sendFrame.bind(t);
      jest.spyOn(t, 'sendFrame').mockImplementation((frame) => (written.add(frame), original(frame)));
    }
    expect(server.broadcast('news', ['framed once'])).toBe(5);
    expect(encode).toHaveBeenCalledTimes(1);
    expect(written.size).toBe(1);
    expect(Buffer.isBuffer([...written][0])).toBe(true);
    await until(() => got.every((l) => l.got.length === 1), 'every receiver');
  });

  test('a replacement JSON codec (the codec option) is the one used, once', async () => {
    const json = { parse: JSON.parse, stringify: jest.fn((v: unknown) => JSON.stringify(v)) };
    const server = await serve('tcp://127.0.0.1:0', { codec: json });
    const got = await listeners(server, 4);
    json.stringify.mockClear();
    expect(server.broadcast('news', ['custom'])).toBe(4);
    expect(json.stringify).toHaveBeenCalledTimes(1);
    await until(() => got.every((l) => l.got.length === 1), 'every receiver');
  });
});

describe('cluster primary', () => {
  test('has no connections: checks the arguments and returns 0', () => {
    // The primary's broadcast uses no state; spec/net/cluster.spec.ts runs a real cluster.
    const primary = Object.create(ClusterPrimary.prototype) as Server;
    expect(primary.broadcast('news', ['x'])).toBe(0);
    expect(() => primary.broadcast(7 as unknown as string)).toThrow(TypeError);
    expect(() => primary.broadcast('news', 'x' as unknown as unknown[])).toThrow(TypeError);
  });
});

test('a connection with an onOutgoing hook sees the broadcast and may annotate its own copy only', async () => {
  const server = await serve('tcp://127.0.0.1:0?framing=ndjson');
  await listeners(server, 3, { framing: 'ndjson' });
  const seen: unknown[] = [];
  const [hooked, ...plain] = [...server.connections];
  hooked.onOutgoing((m) => {
    seen.push(structuredClone(m));
    if (!Array.isArray(m)) m.params = ['annotated'];
  });
  const raws: string[][] = [];
  for (const peer of [hooked, ...plain]) {
    const frames: string[] = [];
    raws.push(frames);
    const transport = peer.connection.transport as StreamTransport;
    const real = transport.sendFrame.bind(transport);
    jest.spyOn(transport, 'sendFrame').mockImplementation((f) => (frames.push(String(f)), real(f)));
  }
  expect(server.broadcast('news', ['hello'])).toBe(3);
  expect(seen).toEqual([{ jsonrpc: '2.0', method: 'news', params: ['hello'] }]);
  expect(raws[0]).toEqual([expect.stringContaining('"annotated"')]);
  for (const frames of raws.slice(1)) expect(frames).toEqual([expect.stringContaining('"hello"')]);
});
