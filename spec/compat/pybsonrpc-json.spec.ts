/**
 * Wire compatibility with Python bsonrpc 0.2.1's `JSONRpc`, replayed from
 * the frames it recorded (spec/fixtures/pybsonrpc) for each of its three
 * framings:
 *
 * 1. every recorded frame decodes, through this library's framing decoder
 *    and JSON codec, to exactly the recorded message;
 * 2. acting as the Python server: Python's client frames are fed byte for
 *    byte to a `JsonRpc` serving the same methods, and every frame it writes
 *    must carry Python's server message (the one id this library chooses,
 *    that of its callback request, is checked for shape; the recorded reply
 *    to it is re-sent, in Python's JSON style, with that id);
 * 3. acting as the Python client: a `JsonRpc` makes the same calls (its
 *    `idGenerator` replays Python's ids, so the recorded answers can be fed
 *    back byte for byte), its frames must read under Python's stricter
 *    rules (see {@link pythonReads}) and carry Python's client message, and
 *    each call must end as Python's did (`python_result`).
 */
import type { Duplex } from 'node:stream';
import { JsonCodec } from '../../lib/codec/json';
import { resolveFraming } from '../../lib/framing';
import { JsonRpc } from '../../lib';
import { logSink } from '../helpers/log-sink';
import { PyClient, PyServer } from '../helpers/py-services';
import { expectPythonOutcome, pyFrameBytes, PyFrame, pyJson, PyScenario, pyScenarios, PyWire } from '../helpers/py-fixtures';
import { expectSameMessage, rawLink } from '../helpers/raw';
import { closeAndJoin } from '../helpers/wait';

const WIRES = ['rfc7464', 'netstring', 'frameless'] as const;
const QUIET_MS = 50;

const codec = new JsonCodec();

/** Decodes a whole recorded stream with this library's decoder and codec. */
function libDecode(wire: PyWire, bytes: Buffer): unknown[] {
  const out: unknown[] = [];
  resolveFraming(wire).createDecoder({ maxMessageSize: 1 << 20 }).push(bytes, (p) => out.push(codec.decode(p)));
  return out;
}

/**
 * Splits what this library wrote the way Python bsonrpc's readers would,
 * strictly and without this library's code: rfc7464 is RS, text, LF with
 * nothing between frames; a netstring is `<len>:<len bytes>,`; frameless
 * values each begin with `{` right after the previous one ends. Every text
 * must be compact JSON (what `JSON.stringify` gives back).
 */
function pythonReads(wire: PyWire, bytes: Buffer): string[] {
  const texts: string[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let text: Buffer;
    if (wire === 'rfc7464') {
      expect(bytes[pos]).toBe(0x1e);
      const lf = bytes.indexOf(0x0a, pos);
      expect(lf).toBeGreaterThan(pos);
      text = bytes.subarray(pos + 1, lf);
      expect(text.includes(0x1e)).toBe(false);
      pos = lf + 1;
    } else if (wire === 'netstring') {
      const colon = bytes.indexOf(0x3a, pos);
      const digits = bytes.subarray(pos, colon).toString('latin1');
      expect(digits).toMatch(/^\d{1,10}$/);
      const start = colon + 1;
      text = bytes.subarray(start, start + Number(digits));
      expect(bytes[start + Number(digits)]).toBe(0x2c);
      pos = start + Number(digits) + 1;
    } else {
      expect(String.fromCharCode(bytes[pos])).toBe('{');
      let depth = 0;
      let inString = false;
      let end = pos;
      for (; end < bytes.length; end++) {
        const c = bytes[end];
        if (inString) {
          if (c === 0x5c) end++;
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b) depth++;
        else if (c === 0x7d && --depth === 0) break;
      }
      text = bytes.subarray(pos, end + 1);
      pos = end + 1;
    }
    const s = text.toString('utf8');
    expect(JSON.stringify(JSON.parse(s))).toBe(s);
    texts.push(s);
  }
  return texts;
}

const isResponse = (m: any) => !Array.isArray(m) && m.method === undefined;

describe.each(WIRES)('Python bsonrpc JSONRpc, %s framing', (wire) => {
  const scenarios = pyScenarios(wire);
  const frames = scenarios.flatMap((s) => s.frames);

  test('the fixtures cover the scenarios the README lists', () => {
    const names = scenarios.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['request-positional', 'request-named', 'notification', 'error-server', 'error-method-not-found', 'unicode', 'nested', 'callback-during-request']));
    if (wire !== 'frameless') expect(names).toContain('batch');
  });

  describe('this library reads every frame Python wrote', () => {
    test.each(frames.map((f) => [f.file, f] as const))('%s', (_file, f: PyFrame) => {
      const bytes = pyFrameBytes(f);
      expect(bytes.length).toBe(f.bytes);
      expect(libDecode(wire, bytes)).toEqual([f.message]);
    });

    test.each(scenarios.map((s) => [s.name, s] as const))('%s: each direction as one stream, split at every byte', (_n, s: PyScenario) => {
      for (const dir of ['c2s', 's2c'] as const) {
        const mine = s.frames.filter((f) => f.direction === dir);
        const stream = Buffer.concat(mine.map(pyFrameBytes));
        const want = JSON.stringify(mine.map((f) => f.message));
        for (let cut = 0; cut <= stream.length; cut++) {
          const out: unknown[] = [];
          const decoder = resolveFraming(wire).createDecoder({ maxMessageSize: 1 << 20 });
          for (const part of [stream.subarray(0, cut), stream.subarray(cut)]) decoder.push(part, (p) => out.push(codec.decode(p)));
          // Cheap comparison per cut; the diff is only built for a failure.
          if (JSON.stringify(out) !== want) expect({ cut, out }).toEqual({ cut, out: JSON.parse(want) });
        }
      }
    });
  });

  describe('acting as the Python server', () => {
    test.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_n, s: PyScenario) => {
      const services = new PyServer();
      const logs = logSink();
      const { raw, peer } = rawLink(wire, (sock: Duplex) => new JsonRpc(sock, services, { framing: wire, logger: logs.logger }));
      let callbackId: unknown;
      for (const f of s.frames) {
        if (f.direction === 'c2s') {
          // The reply to our callback must carry the id this library chose.
          if (callbackId !== undefined && isResponse(f.message)) raw.send(pyJson({ ...f.message, id: callbackId }));
          else raw.write(pyFrameBytes(f));
          continue;
        }
        const got = JSON.parse((await raw.next()).toString('utf8'));
        if (!isResponse(f.message)) {
          if ('id' in f.message) {
            // This library's own callback request: its id is its own.
            expect(got).toEqual({ ...f.message, id: expect.any(Number) });
            expect(Number.isSafeInteger(got.id)).toBe(true);
            callbackId = got.id;
            continue;
          }
        }
        expectSameMessage(got, f.message);
      }
      expect((await raw.quiet(QUIET_MS)).map(String)).toEqual([]);
      // Python reads everything this server wrote.
      const written = pythonReads(wire, raw.received);
      expect(written.map((t) => JSON.parse(t))).toEqual(raw.frames.map((p) => JSON.parse(p.toString('utf8'))));
      const notified = s.frames.filter((f) => !Array.isArray(f.message) && f.direction === 'c2s' && f.message.method === 'report_progress');
      const inBatch = s.frames.filter((f) => Array.isArray(f.message) && f.direction === 'c2s').flatMap((f) => f.message.filter((m: any) => m.method === 'report_progress'));
      expect(services.progress).toEqual([...notified, ...inBatch].map((f: any) => (f.message ?? f).params[0]));
      expect(logs.warnings()).toEqual(s.name === 'error-server' ? [expect.objectContaining({ method: 'fail' })] : []);
      await closeAndJoin(peer);
    });
  });

  describe('acting as the Python client', () => {
    test.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_n, s: PyScenario) => {
      const first = s.frames[0].message;
      const calls: any[] = Array.isArray(first) ? first : [first];
      const ids = calls.filter((m) => 'id' in m).map((m) => m.id);
      const client = new PyClient();
      const { raw, peer } = rawLink(wire, (sock: Duplex) => new JsonRpc(sock, client, { framing: wire, idGenerator: () => ids.shift() }));
      const proxy = peer.getPeerProxy();
      const args = (m: any): unknown[] => (m.params === undefined ? [] : m.params);
      let result: Promise<unknown>;
      if (Array.isArray(first)) {
        result = peer.batchCall((b) => {
          for (const m of calls) ('id' in m ? b[m.method] : b.n[m.method])(...args(m));
        });
      } else if (!('id' in first)) {
        // A notification call returns nothing: Python's `None`.
        result = Promise.resolve(proxy.n[first.method](...args(first))).then((v) => v ?? null);
      } else {
        // Named params go as an object, positional ones through the proxy.
        result = Array.isArray(first.params) || first.params === undefined ? proxy[first.method](...args(first)) : peer.sendRequest(first.method, first.params);
      }
      result.catch(() => undefined); // judged below, after the wire is replayed
      for (const f of s.frames) {
        if (f.direction === 's2c') raw.write(pyFrameBytes(f));
        else expect(JSON.parse((await raw.next()).toString('utf8'))).toEqual(f.message);
      }
      await expectPythonOutcome(result, s.pythonResult);
      expect((await raw.quiet(QUIET_MS)).map(String)).toEqual([]);
      const texts = pythonReads(wire, raw.received);
      expect(texts.map((t) => JSON.parse(t))).toEqual(s.frames.filter((f) => f.direction === 'c2s').map((f) => f.message));
      expect(client.progress).toEqual(s.name === 'callback-during-request' ? ['Stage 1', 'Stage 2'] : []);
      expect(peer.stats()).toEqual({ pendingRequests: 0, runningHandlers: 0 });
      await closeAndJoin(peer);
    });
  });
});
