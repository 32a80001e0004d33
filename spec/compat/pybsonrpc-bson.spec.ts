/**
 * Wire compatibility with Python bsonrpc 0.2.1's `BSONRpc` (pymongo's
 * `bson`), replayed from the frames it recorded (spec/fixtures/pybsonrpc):
 *
 * 1. every recorded document decodes, through this library's length
 *    framing and BSON codec, to the recorded message mapped to JavaScript
 *    (int32/double → number, int64 → number or bigint beyond 2^53, binary →
 *    Buffer, datetime → Date); the BSON type of every value is checked
 *    against the manifest's canonical extended JSON too;
 * 2. acting as the Python server: Python's client documents are fed byte
 *    for byte to a `BsonRpc` serving the same methods, and every document it
 *    writes must equal Python's, BSON types included (int32 vs int64 vs
 *    double, datetime, binary subtype 0); only the id of its own callback
 *    request may differ (an int32 of its choosing);
 * 3. acting as the Python client: a `BsonRpc` makes the same calls (with
 *    Python's ids, so the recorded answers can be fed back byte for byte);
 *    its documents must equal Python's, types included, and each call must
 *    end as Python's did (`python_result`).
 */
import type { Duplex } from 'node:stream';
import { BSON, Double, EJSON, Int32 } from 'bson';
import { BsonCodec } from '../../lib/codec/bson';
import { bsonLengthFraming } from '../../lib/framing';
import { BsonRpc } from '../../lib';
import { logSink } from '../helpers/log-sink';
import { PyClient, PyServer } from '../helpers/py-services';
import { expectPythonOutcome, pyFrameBytes, PyFrame, PyScenario, pyScenarios } from '../helpers/py-fixtures';
import { rawLink } from '../helpers/raw';
import { closeAndJoin } from '../helpers/wait';

const QUIET_MS = 50;

const codec = new BsonCodec();
const TWO_POW_53 = 2n ** 53n;

/** The manifest's canonical extended JSON, read back into js-bson's typed values. */
const typed = (message: unknown): any => EJSON.parse(JSON.stringify(message), { relaxed: false });

/** js-bson typed values → what this library's codec gives (see lib/codec/bson.ts). */
function toJs(v: any): any {
  if (Array.isArray(v)) return v.map(toJs);
  if (v instanceof Date || v === null || typeof v !== 'object') return v;
  switch (v._bsontype) {
    case 'Int32':
    case 'Double':
      return v.valueOf();
    case 'Long': {
      const big = BigInt(v.toString());
      return big <= TWO_POW_53 && big >= -TWO_POW_53 ? Number(big) : big;
    }
    case 'Binary':
      return Buffer.from(v.buffer.subarray(0, v.position));
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJs(x)]));
}

/** A document's canonical extended JSON, read without promotion: shows every BSON type. */
const canonical = (doc: Uint8Array): unknown => JSON.parse(EJSON.stringify(BSON.deserialize(doc, { promoteValues: false }), { relaxed: false }));

/** Splits a stream into documents with this library's framing. */
function libFrames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  bsonLengthFraming.createDecoder({ maxMessageSize: 1 << 20 }).push(bytes, (p) => out.push(Buffer.from(p)));
  return out;
}

/** Splits a stream as pymongo would: int32 LE length (the whole document), ending in 0x00. */
function pythonReads(bytes: Buffer): Buffer[] {
  const docs: Buffer[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const len = bytes.readInt32LE(pos);
    expect(len).toBeGreaterThanOrEqual(5);
    expect(pos + len).toBeLessThanOrEqual(bytes.length);
    expect(bytes[pos + len - 1]).toBe(0);
    docs.push(bytes.subarray(pos, pos + len));
    pos += len;
  }
  return docs;
}

const isResponse = (m: any) => m.method === undefined;

describe('Python bsonrpc BSONRpc', () => {
  const scenarios = pyScenarios('bson');
  const frames = scenarios.flatMap((s) => s.frames);

  test('the fixtures cover the scenarios the README lists', () => {
    expect(scenarios.map((s) => s.name)).toEqual(
      expect.arrayContaining(['request-positional', 'request-named', 'notification', 'error-server', 'error-method-not-found', 'unicode', 'nested', 'callback-during-request', 'bson-binary', 'bson-datetime', 'bson-int64', 'bson-int32-boundary']),
    );
  });

  describe('this library reads every document Python wrote', () => {
    test.each(frames.map((f) => [f.file, f] as const))('%s', (_file, f: PyFrame) => {
      const bytes = pyFrameBytes(f);
      expect(bytes.length).toBe(f.bytes);
      const payloads = libFrames(bytes);
      expect(payloads).toHaveLength(1);
      // Values as this library maps them …
      expect(codec.decode(payloads[0])).toEqual(toJs(typed(f.message)));
      // … and the BSON type of each one as the manifest records it.
      expect(canonical(payloads[0])).toEqual(f.message);
    });

    test('int64 ids and codes decode to numbers that match a pending request', () => {
      // pymongo sends an int as int64 once it leaves int32: the same id must still route.
      const doc = BSON.serialize({ bsonrpc: '2.0', id: BigInt(7), result: 'x' });
      expect(codec.decode(Buffer.from(doc))).toEqual({ bsonrpc: '2.0', id: 7, result: 'x' });
    });
  });

  describe('acting as the Python server', () => {
    test.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_n, s: PyScenario) => {
      const services = new PyServer();
      const logs = logSink();
      const { raw, peer } = rawLink('bson', (sock: Duplex) => new BsonRpc(sock, services, { logger: logs.logger }));
      let callbackId: number | undefined;
      for (const f of s.frames) {
        if (f.direction === 'c2s') {
          if (callbackId !== undefined && isResponse(f.message)) {
            // The recorded reply to our callback, re-encoded with our id (an int32, as pymongo would send it).
            raw.write(Buffer.from(BSON.serialize({ ...typed(f.message), id: new Int32(callbackId) })));
          } else raw.write(pyFrameBytes(f));
          continue;
        }
        const got = canonical(await raw.next()) as any;
        if (!isResponse(f.message) && 'id' in f.message) {
          // This library's own callback request: an int32 id of its own choosing.
          expect(got).toEqual({ ...f.message, id: { $numberInt: expect.stringMatching(/^-?\d+$/) } });
          callbackId = Number(got.id.$numberInt);
          continue;
        }
        expect(got).toEqual(f.message);
      }
      expect(await raw.quiet(QUIET_MS)).toEqual([]);
      expect(pythonReads(raw.received)).toEqual(raw.frames);
      const notified = s.frames.filter((f) => f.direction === 'c2s' && f.message.method === 'report_progress');
      expect(services.progress).toEqual(notified.map((f) => f.message.params[0]));
      expect(logs.warnings()).toEqual(s.name === 'error-server' ? [expect.objectContaining({ method: 'fail' })] : []);
      await closeAndJoin(peer);
    });
  });

  describe('acting as the Python client', () => {
    test.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_n, s: PyScenario) => {
      const first = toJs(typed(s.frames[0].message));
      const ids = 'id' in first ? [first.id] : [];
      const client = new PyClient();
      const { raw, peer } = rawLink('bson', (sock: Duplex) => new BsonRpc(sock, client, { idGenerator: () => ids.shift() }));
      const proxy = peer.getPeerProxy();
      const args: unknown[] = first.params === undefined ? [] : first.params;
      let result: Promise<unknown>;
      if (!('id' in first)) {
        // A notification call returns nothing: Python's `None`.
        result = Promise.resolve(proxy.n[first.method](...args)).then((v) => v ?? null);
      } else if (Array.isArray(first.params) || first.params === undefined) {
        result = proxy[first.method](...args);
      } else {
        result = peer.sendRequest(first.method, first.params);
      }
      result.catch(() => undefined); // judged below, after the wire is replayed
      for (const f of s.frames) {
        if (f.direction === 's2c') raw.write(pyFrameBytes(f));
        else expect(canonical(await raw.next())).toEqual(f.message);
      }
      await expectPythonOutcome(result, s.pythonResult);
      expect(await raw.quiet(QUIET_MS)).toEqual([]);
      const docs = pythonReads(raw.received);
      expect(docs.map(canonical)).toEqual(s.frames.filter((f) => f.direction === 'c2s').map((f) => f.message));
      expect(client.progress).toEqual(s.name === 'callback-during-request' ? ['Stage 1', 'Stage 2'] : []);
      expect(peer.stats()).toEqual({ pendingRequests: 0, runningHandlers: 0 });
      await closeAndJoin(peer);
    });
  });
});

describe('BSON numbers across the int32 / int64 / double boundary', () => {
  test('responses whose id comes back as int64 or double still settle the pending requests', async () => {
    const { raw, peer } = rawLink('bson', (sock: Duplex) => new BsonRpc(sock, null));
    const one = peer.invokeRequest('swapper', 'ab');
    const two = peer.invokeRequest('swapper', 'cd');
    const ids = [canonical(await raw.next()), canonical(await raw.next())].map((m: any) => Number(m.id.$numberInt));
    raw.write(Buffer.from(BSON.serialize({ bsonrpc: '2.0', id: BigInt(ids[0]), result: 'ba' })));
    raw.write(Buffer.from(BSON.serialize({ bsonrpc: '2.0', id: new Double(ids[1]), result: 'dc' })));
    expect(await Promise.all([one, two])).toEqual(['ba', 'dc']);
    await closeAndJoin(peer);
  });

  test.each([
    ['int32', { $numberInt: '7' }, { $numberInt: '7' }],
    ['int64 beyond int32', { $numberLong: '4294967296' }, { $numberLong: '4294967296' }],
    ['int64 beyond 2^53 (a bigint here)', { $numberLong: '9007199254740993' }, { $numberLong: '9007199254740993' }],
    ['fractional double', { $numberDouble: '2.5' }, { $numberDouble: '2.5' }],
    // Known limitation: a JavaScript number cannot remember that it was a double,
    // so Python's float 2.0 comes back as int 2 (JSON has the same loss).
    ['integral double (Python float 2.0)', { $numberDouble: '2.0' }, { $numberInt: '2' }],
    ['int64 that fits int32 (not what pymongo sends)', { $numberLong: '5' }, { $numberInt: '5' }],
  ])('echo of %s', async (_n, sent, back) => {
    const { raw, peer } = rawLink('bson', (sock: Duplex) => new BsonRpc(sock, new PyServer()));
    raw.write(Buffer.from(BSON.serialize(typed({ bsonrpc: '2.0', id: { $numberInt: '1' }, method: 'echo', params: [sent] }))));
    expect(canonical(await raw.next())).toEqual({ bsonrpc: '2.0', id: { $numberInt: '1' }, result: back });
    await closeAndJoin(peer);
  });
});
