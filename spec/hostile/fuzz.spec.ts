/**
 * Property-based hostile input (fast-check, fixed seed, bounded runs):
 * random bytes, mutated valid frames (bit flips, truncation, duplication,
 * splicing), random JSON values and request-shaped objects, random
 * batches — against `JsonRpc` with every framing, and `BsonRpc` with
 * random and mutated BSON documents.
 *
 * Property, per input on a fresh connection: the process survives; every
 * frame the server writes is a well-formed response; a fence request sent
 * after the input is answered, or the connection closes cleanly, within a
 * bounded time (so nothing is left pending forever); every handler has
 * finished once it closed; and a second, well-behaved connection to the
 * same services keeps answering correctly.
 *
 * Reproduce a failure with the seed fast-check prints:
 * `FUZZ_SEED=<seed> npx jest spec/hostile/fuzz.spec.ts`; `FUZZ_RUNS` scales
 * the number of runs.
 */
import { BSON } from 'bson';
import fc from 'fast-check';
import { createDuplexPair, notification, request, rpcRequest, RpcContext, serviceClass } from '../../lib';
import { resolveFraming } from '../../lib/framing';
import { logSink } from '../helpers/log-sink';
import { JSON_WIRES, rawServer, Wire, wirePeer } from '../helpers/raw';
import { sleep } from '../helpers/wait';

const SEED = Number(process.env.FUZZ_SEED ?? 20251121);
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const PARAMS: fc.Parameters<unknown> = { seed: SEED, numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: 15_000 };
/** Fence answered or connection closed within this, input or not. */
const BOUND_MS = 2000;

@serviceClass
class FuzzServer {
  @request echo(x: unknown) {
    return x;
  }
  @request add(a: unknown, b: unknown) {
    return (a as number) + (b as number);
  }
  @request ping() {
    return 'pong';
  }
  @request async slow(ms: unknown) {
    await sleep(Math.min(Math.abs(Number(ms)) || 0, 20));
    return 'slept';
  }
  @request fails(why: unknown) {
    throw new Error(String(why));
  }
  @rpcRequest who(rpc: RpcContext) {
    return rpc.clientInfo ?? null;
  }
  @notification note(..._args: unknown[]) {}
}
const METHODS = ['echo', 'add', 'ping', 'slow', 'fails', 'who', 'note', 'constructor', '__proto__', 'toString', 'nope'];

/** Bytes that end any unfinished frame, where the framing has such a thing. */
const RESYNC: Record<Wire, string> = { rfc7464: '', ndjson: '\n', netstring: '', 'content-length': '', frameless: '', bson: '' };
const CODES = new Set([-32700, -32600, -32601, -32602, -32603, -32000]);

const services = new FuzzServer();
const logs = logSink('warn');

/** One set of server options, so the fuzzed connections and the well-behaved one are served alike. */
function serverOptions(connectionId: string) {
  return { logger: logs.logger, connectionId, partialFrameTimeout: 20, maxMessageSize: 64 * 1024 };
}

function encode(wire: Wire, message: unknown): Buffer {
  if (wire === 'bson') return Buffer.from(BSON.serialize(message as Record<string, unknown>));
  return resolveFraming(wire).encode(JSON.stringify(message));
}

function decode(wire: Wire, frame: Buffer): any {
  return wire === 'bson' ? BSON.deserialize(frame) : JSON.parse(frame.toString('utf8'));
}

/** Throws unless `m` is one well-formed response (or a non-empty batch of them). */
function checkResponse(wire: Wire, m: any): void {
  const vk = wire === 'bson' ? 'bsonrpc' : 'jsonrpc';
  const items = Array.isArray(m) && wire !== 'bson' ? m : [m];
  if (items.length === 0) throw new Error('empty batch answer');
  for (const r of items) {
    if (r === null || typeof r !== 'object' || r[vk] !== '2.0' || !('id' in r)) throw new Error(`not a response: ${JSON.stringify(r)}`);
    if ('result' in r === 'error' in r) throw new Error(`result xor error: ${JSON.stringify(r)}`);
    if ('error' in r && !CODES.has(r.error?.code)) throw new Error(`unexpected error code: ${JSON.stringify(r.error)}`);
  }
}

let connections = 0;

/** Writes `input` (in the given chunks) and a fence; checks the property. */
async function probe(wire: Wire, input: Buffer, cuts: number[]): Promise<void> {
  const { raw, peer } = rawServer(wire, services, serverOptions(`fuzz${++connections}`));
  let from = 0;
  for (const cut of [...cuts.map((c) => c % (input.length + 1))].sort((a, b) => a - b)) {
    raw.write(input.subarray(from, cut));
    from = cut;
  }
  raw.write(input.subarray(from));
  // The first fence may be swallowed whole by a frame the input began (a
  // length prefix that its bytes happen to complete): that frame is then
  // answered, and a second fence must be.
  let fenced = false;
  for (let attempt = 1; attempt <= 2 && !fenced && !raw.closed; attempt++) {
    raw.write(RESYNC[wire]);
    raw.write(encode(wire, { [wire === 'bson' ? 'bsonrpc' : 'jsonrpc']: '2.0', method: 'ping', id: 'fence' }));
    const deadline = Date.now() + BOUND_MS;
    for (;;) {
      const frame = await raw.next(Math.max(deadline - Date.now(), 1)).catch(() => undefined);
      if (frame === undefined) {
        if (!raw.closed && (attempt === 2 || raw.frames.length === 0)) throw new Error(`neither answered nor closed within ${BOUND_MS} ms`);
        break;
      }
      const m = decode(wire, frame);
      checkResponse(wire, m);
      if (!Array.isArray(m) && m.id === 'fence') {
        fenced = true;
        break;
      }
    }
  }
  if (raw.decodeError) throw raw.decodeError;
  peer.close();
  if (!(await peer.join(1000))) throw new Error('a handler was still running 1 s after close');
  if (peer.stats().pendingRequests !== 0) throw new Error('requests left pending');
}

/** A second, well-behaved connection to the same services, checked after every run. */
function goodClient(wire: Wire): { check(i: number): Promise<void>; close(): void } {
  const [s, c] = createDuplexPair();
  const server = wirePeer(wire, s, services, serverOptions('good-server'));
  const client = wirePeer(wire, c, null, { timeout: BOUND_MS });
  return {
    async check(i) {
      expect(await client.invokeRequest('echo', { i, s: 'ok' })).toEqual({ i, s: 'ok' });
    },
    close() {
      client.close();
      server.close();
    },
  };
}

// ---------------------------------------------------------------- arbitraries

const cuts = fc.array(fc.nat(), { maxLength: 3 });
const anyId = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.double(), fc.jsonValue({ maxDepth: 1 }));
const params = fc.oneof(
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.constantFrom('a', 'b', 'x', 'ms', '__proto__', 'constructor', 'prototype'), fc.jsonValue({ maxDepth: 2 })),
  fc.jsonValue({ maxDepth: 1 }),
);
const requestShaped = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.jsonValue({ maxDepth: 0 })),
    method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 12 })),
    params,
    id: anyId,
    result: fc.jsonValue({ maxDepth: 1 }),
    error: fc.oneof(fc.record({ code: fc.integer(), message: fc.string() }), fc.jsonValue({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);
const validCall = fc.record({
  jsonrpc: fc.constant('2.0'),
  method: fc.constantFrom(...METHODS),
  params: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }),
  id: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
});
const jsonMessage = fc.oneof(fc.jsonValue({ maxDepth: 3 }), requestShaped, validCall);
const batch = fc.array(fc.oneof(validCall, requestShaped, fc.jsonValue({ maxDepth: 1 })), { maxLength: 12 });

/** Valid frames of `wire` that mutations start from. */
function seedFrames(wire: Wire): Buffer[] {
  const vk = wire === 'bson' ? 'bsonrpc' : 'jsonrpc';
  const docs: Record<string, unknown>[] = [
    { [vk]: '2.0', method: 'echo', params: ['hello', { a: [1, 2.5, null, true] }], id: 1 },
    { [vk]: '2.0', method: 'add', params: { a: 1, b: 2 }, id: 'two' },
    { [vk]: '2.0', method: 'note', params: ['n'] },
    { [vk]: '2.0', method: 'slow', params: [5], id: 3 },
    { [vk]: '2.0', result: 'late', id: 99 },
    { [vk]: '2.0', error: { code: -32000, message: 'x' }, id: 98 },
  ];
  const frames = docs.map((d) => encode(wire, d));
  if (wire !== 'bson') frames.push(encode(wire, docs.slice(0, 4)));
  else frames.push(Buffer.from(BSON.serialize({ bsonrpc: '2.0', method: 'echo', params: [new Date(0), Buffer.from('bin'), 2n ** 40n], id: 4 })));
  return frames;
}

const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.nat({ max: 64 }), to: fc.nat() }),
  fc.record({ op: fc.constant('splice' as const), at: fc.nat(), other: fc.nat(), from: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.nat({ max: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(buf: Buffer, m: Mutation, pool: Buffer[]): Buffer {
  const at = buf.length === 0 ? 0 : m.at % buf.length;
  switch (m.op) {
    case 'flip': {
      if (buf.length === 0) return buf;
      const out = Buffer.from(buf);
      out[at] ^= 1 << m.bit;
      return out;
    }
    case 'truncate':
      return buf.subarray(0, at);
    case 'duplicate': {
      const piece = buf.subarray(at, at + m.len);
      const to = m.to % (buf.length + 1);
      return Buffer.concat([buf.subarray(0, to), piece, buf.subarray(to)]);
    }
    case 'splice': {
      const other = pool[m.other % pool.length];
      return Buffer.concat([buf.subarray(0, at), other.subarray(m.from % (other.length + 1))]);
    }
    case 'insert':
      return Buffer.concat([buf.subarray(0, at), Buffer.from(m.bytes), buf.subarray(at)]);
    case 'delete':
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.len)]);
  }
}

function mutatedFrames(wire: Wire): fc.Arbitrary<Buffer> {
  const pool = seedFrames(wire);
  return fc
    .tuple(fc.array(fc.nat({ max: pool.length - 1 }), { minLength: 1, maxLength: 3 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([picks, ms]) => ms.reduce<Buffer>((b, m) => mutate(b, m, pool), Buffer.concat(picks.map((i) => pool[i]))));
}

const bsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(new Date(0), Buffer.from('x'), 2n ** 60n, new BSON.ObjectId('0123456789abcdef01234567'), BSON.Decimal128.fromString('1.5'), new BSON.MinKey()),
);
const bsonDoc = fc
  .tuple(fc.dictionary(fc.string({ maxLength: 6 }), bsonValue, { maxKeys: 5 }), fc.option(requestShaped, { nil: undefined }))
  .map(([extra, shaped]) => {
    const doc: Record<string, unknown> = { ...extra };
    if (shaped) for (const [k, v] of Object.entries(shaped)) doc[k === 'jsonrpc' ? 'bsonrpc' : k] = v;
    try {
      return Buffer.from(BSON.serialize(doc));
    } catch {
      return Buffer.from(BSON.serialize({ unserialisable: true }));
    }
  });

// ---------------------------------------------------------------- properties

const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();

function run(wire: Wire, name: string, input: fc.Arbitrary<Buffer>): void {
  test(`${wire}: ${name}`, async () => {
    const good = goodClient(wire);
    let i = 0;
    try {
      await fc.assert(
        fc.asyncProperty(input, cuts, async (bytes, at) => {
          await probe(wire, bytes, at);
          await good.check(i++);
        }),
        PARAMS,
      );
      // A fresh connection after everything still answers.
      await probe(wire, Buffer.alloc(0), []);
    } finally {
      good.close();
    }
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
    // Every line logged at warn or above names its connection.
    expect(logs.warnings().filter((l) => !l.connectionId)).toEqual([]);
  }, 60_000);
}

const bytes = fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a));
const textual = fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8'));

for (const wire of JSON_WIRES) {
  describe(`JsonRpc over ${wire}`, () => {
    run(wire, 'random bytes', fc.oneof(bytes, textual));
    run(wire, 'mutated valid frames', mutatedFrames(wire));
    run(wire, 'random JSON values as messages', jsonMessage.map((v) => encode(wire, v)));
    run(wire, 'random batches', batch.map((b) => encode(wire, b)));
  });
}

describe('BsonRpc', () => {
  run('bson', 'random bytes', bytes);
  run('bson', 'mutated BSON documents', mutatedFrames('bson'));
  run('bson', 'random BSON documents', bsonDoc);
});
