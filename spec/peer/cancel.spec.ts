/**
 * Cancellation across the wire: a call's timeout or abort signal rejects
 * at once and sends `$/cancelRequest { id }`; the other side aborts that
 * handler's signal and answers -32800 (dropped quietly by the caller).
 */
import fc from 'fast-check';
import {
  createTransportPair,
  currentContext,
  JsonRpc,
  request,
  RequestCancelled,
  ResponseTimeout,
  rpcRequest,
  RpcContext,
  serviceClass,
} from '../../lib';
import { logSink } from '../helpers/log-sink';
import { pair } from '../helpers/pair';
import { closeAndJoin, deferred, sleep, until } from '../helpers/wait';

/** A service whose handlers wait for their signal, and say how they ended. */
function waiter() {
  const ended: { method: string; reason: unknown }[] = [];
  let started = 0;
  const plainStarted: number[] = [];
  @serviceClass
  class Waiter {
    @rpcRequest async wait(rpc: RpcContext) {
      started++;
      await new Promise((resolve) => rpc.signal.addEventListener('abort', resolve, { once: true }));
      ended.push({ method: 'wait', reason: rpc.signal.reason });
      return 'too late';
    }
    @request async plain(n: number) {
      const { signal } = currentContext()!;
      plainStarted.push(n);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      ended.push({ method: 'plain', reason: signal.reason });
      return n;
    }
    @request quick(n: number) {
      return n;
    }
  }
  return { services: new Waiter(), ended, started: () => started, plainStarted };
}

describe.each(['json', 'bson'] as const)('%s: cancellation', (kind) => {
  test('a timeout rejects at once, the handler signal aborts as cancelled by the caller, the late -32800 is dropped quietly', async () => {
    const w = waiter();
    const p = pair(kind, w.services, undefined);
    const t0 = Date.now();
    await expect(p.b.sendRequest('wait', [], { timeout: 30 })).rejects.toBeInstanceOf(ResponseTimeout);
    expect(Date.now() - t0).toBeLessThan(500);
    await until(() => w.ended.length === 1, 'the handler to see the cancel');
    const reason = w.ended[0].reason as RequestCancelled;
    expect(reason).toBeInstanceOf(RequestCancelled);
    expect(reason.code).toBe(-32800);
    expect(reason.data).toBe('cancelled by the caller');
    await sleep(30);
    expect(p.logs.warnings()).toEqual([]);
    await p.finish();
  });

  test('an abort signal does the same; a plain @request handler observes it through currentContext()', async () => {
    const w = waiter();
    const p = pair(kind, w.services, undefined);
    const ac = new AbortController();
    const call = p.b.sendRequest('plain', [7], { signal: ac.signal });
    await until(() => w.plainStarted.length === 1, 'the handler to start');
    ac.abort(new Error('user gave up'));
    await expect(call).rejects.toThrow('user gave up');
    await until(() => w.ended.length === 1, 'the handler to see the cancel');
    expect(w.ended[0].method).toBe('plain');
    expect(w.ended[0].reason).toBeInstanceOf(RequestCancelled);
    await p.finish();
  });

  test('an already aborted signal sends nothing at all', async () => {
    const w = waiter();
    const p = pair(kind, w.services, undefined);
    const ac = new AbortController();
    ac.abort(new Error('before'));
    await expect(p.b.sendRequest('wait', [], { signal: ac.signal })).rejects.toThrow('before');
    await sleep(20);
    expect(w.started()).toBe(0);
    expect(p.logs.lines.filter((l) => /cancel/.test(l.msg))).toEqual([]);
    await p.finish();
  });

  test('sendCancel: false sends no cancel: the handler runs on until the connection closes', async () => {
    const w = waiter();
    const p = pair(kind, w.services, undefined, {}, { sendCancel: false });
    await expect(p.b.sendRequest('wait', [], { timeout: 20 })).rejects.toBeInstanceOf(ResponseTimeout);
    await sleep(50);
    expect(w.ended).toEqual([]);
    await closeAndJoin(p.b);
    await until(() => w.ended.length === 1, 'the close to stop the handler');
    expect(String(w.ended[0].reason)).toMatch(/connection closed/);
    await closeAndJoin(p.a);
  });

  test('a queued request that is cancelled never runs', async () => {
    const gate = deferred();
    const ran: number[] = [];
    @serviceClass
    class Serial {
      @request async step(n: number) {
        ran.push(n);
        if (n === 1) await gate.promise;
        return n;
      }
    }
    const p = pair(kind, new Serial(), undefined, { concurrentRequestHandling: false }, {});
    const first = p.b.invokeRequest('step', 1);
    const ac = new AbortController();
    const second = p.b.sendRequest('step', [2], { signal: ac.signal });
    const third = p.b.invokeRequest('step', 3);
    await until(() => ran.length === 1, 'the first to run');
    ac.abort(new Error('never mind'));
    await expect(second).rejects.toThrow('never mind');
    await sleep(20);
    gate.resolve();
    expect(await first).toBe(1);
    expect(await third).toBe(3);
    expect(ran).toEqual([1, 3]);
    await p.finish();
  });

  test('cancels for unknown or finished ids, and a flood of 100,000, are ignored and leak nothing', async () => {
    const w = waiter();
    const p = pair(kind, w.services, undefined);
    expect(await p.b.invokeRequest('quick', 1)).toBe(1);
    for (let i = 0; i < 100_000; i++) p.b.sendNotification('$/cancelRequest', { id: i % 7 === 0 ? 1 : 1_000_000 + i });
    expect(await p.b.invokeRequest('quick', 2)).toBe(2);
    expect(p.a.stats()).toEqual({ pendingRequests: 0, runningHandlers: 0 });
    expect(p.a.connection.scheduler.liveCalls).toBe(0);
    expect(p.logs.warnings()).toEqual([]);
    await p.finish();
  }, 30000);

  test('a cancel racing the response: every interleaving ends with one outcome and nothing left behind', async () => {
    @serviceClass
    class Racy {
      @request async echo(n: number, delayMs: number) {
        if (delayMs > 0) await sleep(delayMs);
        else await Promise.resolve();
        return n;
      }
    }
    const p = pair(kind, new Racy(), undefined);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 20 }), async (plan) => {
        const outcomes = await Promise.all(
          plan.map(async ([handlerMs, abortMs], i) => {
            const ac = new AbortController();
            const call = p.b.sendRequest('echo', [i, handlerMs], { signal: ac.signal });
            setTimeout(() => ac.abort(new Error('abort')), abortMs);
            return call.then(
              (v) => (v === i ? 'ok' : 'wrong'),
              (e: Error) => (e.message === 'abort' ? 'aborted' : `other: ${e.message}`),
            );
          }),
        );
        expect(outcomes.every((o) => o === 'ok' || o === 'aborted')).toBe(true);
        await until(() => p.a.stats().runningHandlers === 0 && p.b.stats().pendingRequests === 0, 'both sides to settle');
      }),
      { numRuns: 30, seed: 11 },
    );
    expect(p.a.connection.scheduler.liveCalls).toBe(0);
    expect(p.logs.warnings()).toEqual([]);
    await p.finish();
  }, 30000);
});

describe('cancelling one member of a batch', () => {
  test('the batch answer carries -32800 for the cancelled member and the result for the others', async () => {
    const w = waiter();
    const [x, y] = createTransportPair();
    const server = new JsonRpc(x, w.services, { logger: logSink().logger });
    const replies: unknown[] = [];
    y.start({ onMessage: (m) => void replies.push(JSON.parse(String(m))), onDrain: () => undefined, onError: () => undefined, onClose: () => undefined });
    y.send(JSON.stringify([
      { jsonrpc: '2.0', method: 'quick', params: [1], id: 'a' },
      { jsonrpc: '2.0', method: 'wait', id: 'b' },
    ]));
    await until(() => w.started() === 1, 'the waiting member to start');
    expect(replies).toEqual([]);
    y.send(JSON.stringify({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'b' } }));
    await until(() => replies.length === 1, 'the batch answer');
    expect(replies[0]).toEqual([
      { jsonrpc: '2.0', result: 1, id: 'a' },
      { jsonrpc: '2.0', error: { code: -32800, message: 'Request cancelled' }, id: 'b' },
    ]);
    await closeAndJoin(server);
  });

  test("a batch's timeout sends a cancel for each of its requests", async () => {
    const w = waiter();
    const [x, y] = createTransportPair();
    const server = new JsonRpc(x, w.services, { logger: logSink().logger });
    const client = new JsonRpc(y, null, { logger: logSink().logger });
    await expect(client.batchCall((b) => (b.wait(), b.wait()), { timeout: 30 })).rejects.toBeInstanceOf(ResponseTimeout);
    await until(() => w.ended.length === 2, 'both handlers to be cancelled');
    expect(w.ended.every((e) => e.reason instanceof RequestCancelled)).toBe(true);
    await closeAndJoin(client);
    await closeAndJoin(server);
  });
});
