/**
 * Faults: a peer that goes away mid-request (either direction), mid-frame
 * or mid-batch; a handler that never returns; handlers that throw anything
 * at all. Each is logged with the connection id, nothing leaks out as an
 * unhandled rejection (spec/helpers/no-unhandled.ts), and the connection —
 * where it is still open — goes on serving.
 */
import { BSON } from 'bson';
import {
  ConnectionClosedError,
  InternalError,
  notification,
  request,
  ResponseTimeout,
  rpcRequest,
  RpcContext,
  ServerError,
  serviceClass,
} from '../../lib';
import { resolveFraming } from '../../lib/framing';
import { logSink, LogSink } from '../helpers/log-sink';
import { pair, PeerKind } from '../helpers/pair';
import { JSON_WIRES, rawServer, Wire } from '../helpers/raw';
import { closeAndJoin, sleep, until } from '../helpers/wait';

const nasty = {
  string: () => 'a plain string',
  undefined: () => undefined,
  null: () => null,
  number: () => 42,
  'object whose toString throws': () => ({
    toString() {
      throw new Error('toString exploded');
    },
  }),
  'Error whose message getter throws': () => {
    const e = new Error('x');
    Object.defineProperty(e, 'message', {
      get() {
        throw new Error('message exploded');
      },
    });
    return e;
  },
  'object with a throwing toJSON': () => ({
    toJSON() {
      throw new Error('toJSON exploded');
    },
  }),
  'a frozen null-prototype object': () => Object.freeze(Object.create(null)),
} as const;
type Nasty = keyof typeof nasty;

@serviceClass
class Faulty {
  aborted = 0;
  finished = 0;
  notified = 0;
  @request ping(i = 0) {
    return i;
  }
  @request throwsSync() {
    throw new Error('sync failure');
  }
  @request async throwsAsync() {
    await Promise.resolve();
    throw new Error('async failure');
  }
  @request throwsNasty(kind: Nasty) {
    throw nasty[kind]();
  }
  @request async rejectsNasty(kind: Nasty) {
    await sleep(1);
    throw nasty[kind]();
  }
  @request bigint() {
    return 10n;
  }
  @request circular() {
    const o: Record<string, unknown> = {};
    o.self = o;
    return o;
  }
  @request neverReturns() {
    return new Promise(() => undefined);
  }
  @rpcRequest untilAborted(rpc: RpcContext) {
    return new Promise((_resolve, reject) => {
      rpc.signal.addEventListener('abort', () => {
        this.aborted++;
        reject(rpc.signal.reason);
      });
    });
  }
  @request async slow(ms: number) {
    await sleep(ms);
    this.finished++;
    return ms;
  }
  @rpcRequest async callsBack(rpc: RpcContext) {
    try {
      return await rpc.getPeerProxy().stall();
    } finally {
      this.finished++;
    }
  }
  @notification noteThrows(kind: Nasty | 'sync' | 'async') {
    this.notified++;
    if (kind === 'sync') throw new Error('notification failure');
    if (kind === 'async') return Promise.reject(new Error('async notification failure'));
    throw nasty[kind]();
  }
}

@serviceClass
class Stalling {
  /** Never answers; ends when its connection closes. */
  @rpcRequest stall(rpc: RpcContext) {
    return new Promise((_resolve, reject) => rpc.signal.addEventListener('abort', () => reject(rpc.signal.reason)));
  }
}

/** A warn-level line for `conn` whose message matches. */
function logged(logs: LogSink, conn: string, msg: RegExp): Record<string, any> | undefined {
  return logs.warnings().find((l) => l.connectionId === conn && msg.test(l.msg));
}

for (const kind of ['json', 'bson'] as PeerKind[]) {
  describe(`${kind}: handlers that throw`, () => {
    test.each([
      ['throwsSync', [], 'sync failure'],
      ['throwsAsync', [], 'async failure'],
    ])('%s answers -32000 with the message, logs it with the connection id', async (method, args, data) => {
      const p = pair(kind, new Faulty(), undefined);
      const err = await p.b.invokeRequest(method, ...args).catch((e) => e);
      expect(err).toBeInstanceOf(ServerError);
      expect(err).toMatchObject({ code: -32000, data });
      expect(logged(p.logs, 'a', /request handler failed/)?.method).toBe(method);
      expect(await p.b.invokeRequest('ping', 1)).toBe(1);
      await p.finish();
    });

    const cases = (Object.keys(nasty) as Nasty[]).flatMap((what) => [
      ['throwsNasty', what],
      ['rejectsNasty', what],
    ]);
    test.each(cases)('%s(%s): -32000, logged with the connection id, connection goes on', async (method, what) => {
      // A timeout so that a lost answer fails the test instead of hanging it.
      const p = pair(kind, new Faulty(), undefined, {}, { timeout: 1000 });
      const err = await p.b.invokeRequest(method, what).catch((e) => e);
      expect(err).toBeInstanceOf(ServerError);
      expect(typeof (err as ServerError).data).toBe('string');
      expect(await p.b.invokeRequest('ping', 2)).toBe(2);
      expect(logged(p.logs, 'a', /request handler failed/)?.method).toBe(method);
      await p.finish();
    });

    test.each(['sync', 'async', ...Object.keys(nasty)])('a notification handler that throws (%s) is logged; nothing is answered', async (what) => {
      const services = new Faulty();
      const p = pair(kind, services, undefined);
      p.b.invokeNotification('noteThrows', what);
      expect(await p.b.invokeRequest('ping', 3)).toBe(3);
      await until(() => logged(p.logs, 'a', /notification handler failed/) !== undefined, 'the logged failure', 1000);
      expect(services.notified).toBe(1);
      await p.finish();
    });

    test('a result that cannot be encoded answers -32603', async () => {
      const p = pair(kind, new Faulty(), undefined);
      await expect(p.b.invokeRequest('circular')).rejects.toBeInstanceOf(InternalError);
      if (kind === 'json') await expect(p.b.invokeRequest('bigint')).rejects.toBeInstanceOf(InternalError);
      expect(await p.b.invokeRequest('ping', 4)).toBe(4);
      await p.finish();
    });
  });

  describe(`${kind}: handlers that never return`, () => {
    test("the caller's timeout fires, naming method and connection; the connection goes on; close aborts ctx.signal", async () => {
      const services = new Faulty();
      const p = pair(kind, services, undefined, {}, { timeout: 100 });
      const t0 = Date.now();
      const err = (await p.b.invokeRequest('untilAborted').catch((e: Error) => e)) as Error;
      expect(err.message).toBe('request "untilAborted" timed out after 100 ms (conn b)');
      expect(err).toBeInstanceOf(ResponseTimeout);
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(await p.b.invokeRequest('ping', 5)).toBe(5);
      p.b.close();
      await until(() => services.aborted === 1, 'the aborted handler', 1000);
      expect(await p.a.join(1000)).toBe(true);
    });

    test('a handler that ignores the signal does not hold up the caller, only join()', async () => {
      const p = pair(kind, new Faulty(), undefined, {}, { timeout: 50 });
      await expect(p.b.invokeRequest('neverReturns')).rejects.toBeInstanceOf(ResponseTimeout);
      await closeAndJoin(p.b, 500);
      expect(await p.a.join(100)).toBe(false);
      expect(p.a.isClosed).toBe(true);
    });
  });

  describe(`${kind}: the other side goes away mid-request`, () => {
    test('the caller closes while its request runs: the handler finishes, its answer is dropped', async () => {
      const services = new Faulty();
      const p = pair(kind, services, undefined);
      const call = p.b.invokeRequest('slow', 30);
      await sleep(5);
      p.b.close();
      await expect(call).rejects.toBeInstanceOf(ConnectionClosedError);
      expect(await p.a.join(1000)).toBe(true);
      expect(services.finished).toBe(1);
    });

    test('the server closes while the caller waits: the call rejects at once with ConnectionClosedError', async () => {
      const p = pair(kind, new Faulty(), undefined);
      const call = p.b.invokeRequest('neverReturns');
      await sleep(5);
      const t0 = Date.now();
      p.a.close();
      await expect(call).rejects.toBeInstanceOf(ConnectionClosedError);
      expect(Date.now() - t0).toBeLessThan(500);
      await expect(p.b.invokeRequest('ping')).rejects.toBeInstanceOf(ConnectionClosedError);
    });

    test('the caller closes while the handler calls back into it: the callback rejects, the handler ends', async () => {
      const services = new Faulty();
      const p = pair(kind, services, new Stalling());
      const call = p.b.invokeRequest('callsBack');
      call.catch(() => undefined);
      await sleep(20);
      p.b.close();
      await until(() => services.finished === 1, 'the handler to finish', 1000);
      expect(await p.a.join(1000)).toBe(true);
      expect(await p.b.join(1000)).toBe(true);
    });
  });
}

describe('raw: the client goes away mid-frame or mid-batch', () => {
  const wires: Wire[] = [...JSON_WIRES, 'bson'];
  const frameOf = (wire: Wire) =>
    wire === 'bson'
      ? Buffer.from(BSON.serialize({ bsonrpc: '2.0', method: 'slow', params: [20], id: 1 }))
      : resolveFraming(wire).encode('{"jsonrpc":"2.0","method":"slow","params":[20],"id":1}');

  function serve(wire: Wire) {
    const logs = logSink('debug');
    const services = new Faulty();
    const { raw, peer } = rawServer(wire, services, { logger: logs.logger, connectionId: 'raw' });
    return { raw, peer, logs, services, client: raw.socket };
  }

  test.each(wires)('%s: half a frame, then end: a clean close, logged with the connection id', async (wire) => {
    const { raw, peer, logs } = serve(wire);
    const frame = frameOf(wire);
    raw.write(frame.subarray(0, frame.length >> 1));
    await sleep(10);
    raw.end();
    expect(await peer.join(1000)).toBe(true);
    expect(raw.frames).toEqual([]);
    const line = logs.lines.find((l) => /connection closed/.test(l.msg));
    expect(line).toMatchObject({ connectionId: 'raw', reason: expect.stringMatching(/ended|closed/) });
  });

  test.each(wires)('%s: half a frame, then destroy', async (wire) => {
    const { raw, peer, client } = serve(wire);
    const frame = frameOf(wire);
    raw.write(frame.subarray(0, 7));
    await sleep(10);
    client.destroy();
    expect(await peer.join(1000)).toBe(true);
  });

  test('mid-batch: the client ends while the batch runs; every handler finishes, nothing is written after close', async () => {
    const { raw, peer, services } = serve('rfc7464');
    raw.send(JSON.stringify([20, 5, 1].map((ms, id) => ({ jsonrpc: '2.0', method: 'slow', params: [ms], id }))));
    await sleep(3);
    raw.end();
    expect(await peer.join(1000)).toBe(true);
    expect(services.finished).toBe(3);
    expect(raw.frames).toEqual([]);
  });

  test('mid-batch: the client sends half a batch and ends', async () => {
    const { raw, peer } = serve('ndjson');
    raw.write('[{"jsonrpc":"2.0","method":"ping","params":[1],"id":1},{"jsonrpc":"2.0","meth');
    raw.end();
    expect(await peer.join(1000)).toBe(true);
  });
});
