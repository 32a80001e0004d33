/**
 * The router alone, with a fake host: what it does with every kind of
 * incoming value, without a peer, a codec or a transport.
 */
import { ConnectionLogger } from '../../lib/logger';
import { Call, CallKind, Reply, ResolvedHandler } from '../../lib/protocol/call';
import type { Params, RequestId } from '../../lib/protocol/messages';
import { Router, RouterHost } from '../../lib/protocol/router';
import { logSink } from '../helpers/log-sink';

function fakeHost(handlers: Record<string, CallKind> = {}) {
  const sent: unknown[] = [];
  const scheduled: Call[] = [];
  const settled: [string, RequestId, unknown][] = [];
  const closes: string[] = [];
  const reports: Error[] = [];
  const cancels: RequestId[] = [];
  const deadlines: [Call, number][] = [];
  const logs = logSink();
  const host: RouterHost = {
    versionKey: 'jsonrpc',
    logger: new ConnectionLogger(logs.logger, 'fake'),
    maxBatchLength: 3,
    pending: {
      resolve: (id, result) => (id === 7 ? (settled.push(['ok', id, result]), true) : false),
      rejectWithWireError: (id, error) => (id === 7 ? (settled.push(['error', id, error]), true) : false),
    },
    resolve: (method): ResolvedHandler | undefined =>
      handlers[method] ? { kind: handlers[method], withContext: false, invoke: () => undefined } : undefined,
    createCall: (kind: CallKind, method: string, id: RequestId | null | undefined, params: Params | undefined, handler: ResolvedHandler, reply: Reply | undefined) =>
      new Call(kind, method, id, params, handler, reply),
    schedule: (call) => void scheduled.push(call),
    send: (m) => void sent.push(m),
    close: (r) => void closes.push(r),
    report: (e) => void reports.push(e),
    cancel: (id) => void cancels.push(id),
    startDeadline: (call, ms) => void deadlines.push([call, ms]),
  };
  return { host, sent, scheduled, settled, closes, reports, cancels, deadlines, logs, router: new Router(host) };
}

describe('Router with a fake host', () => {
  test('a response settles the pending entry at once and schedules nothing', () => {
    const f = fakeHost();
    f.router.dispatch({ jsonrpc: '2.0', result: 'r', id: 7 });
    f.router.dispatch({ jsonrpc: '2.0', error: { code: -1, message: 'm' }, id: 7 });
    expect(f.settled).toEqual([
      ['ok', 7, 'r'],
      ['error', 7, { code: -1, message: 'm' }],
    ]);
    expect(f.scheduled).toEqual([]);
    expect(f.sent).toEqual([]);
  });

  test('an id-less error response is reported; an unmatched response is dropped quietly', () => {
    const f = fakeHost();
    f.router.dispatch({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
    f.router.dispatch({ jsonrpc: '2.0', result: 1, id: 99 });
    expect(f.reports.map((e) => e.message)).toEqual(['Parse error']);
    expect(f.sent).toEqual([]);
  });

  test('a request becomes one scheduled Call carrying its kind, method, id and params; its reply is sent', () => {
    const f = fakeHost({ add: 'request' });
    f.router.dispatch({ jsonrpc: '2.0', method: 'add', params: [1, 2], id: 'x' });
    expect(f.scheduled).toHaveLength(1);
    const call = f.scheduled[0];
    expect([call.kind, call.method, call.id, call.params]).toEqual(['request', 'add', 'x', [1, 2]]);
    call.reply!({ answer: 1 });
    expect(f.sent).toEqual([{ answer: 1 }]);
  });

  test('unknown request → -32601 without scheduling; notification to a request handler → dropped and logged', () => {
    const f = fakeHost({ add: 'request' });
    f.router.dispatch({ jsonrpc: '2.0', method: 'nope', id: 1 });
    f.router.dispatch({ jsonrpc: '2.0', method: 'add', params: [1] });
    expect(f.sent).toEqual([{ jsonrpc: '2.0', error: { code: -32601, message: 'Method not found' }, id: 1 }]);
    expect(f.scheduled).toEqual([]);
    expect(f.logs.warnings().map((l) => l.msg)).toEqual(['notification to no notification handler dropped']);
  });

  test('an invalid request is answered -32600 with its id', () => {
    const f = fakeHost();
    f.router.dispatch({ jsonrpc: '1.0', method: 'x', id: 4 });
    expect(f.sent).toEqual([{ jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request', data: '"jsonrpc" is not "2.0"' }, id: 4 }]);
  });

  test('reserved names go to their hook before any handler lookup; dispose removes it', () => {
    const f = fakeHost({ '$/custom': 'notification' });
    const seen: unknown[] = [];
    const sub = f.router.reserve('$/custom', (kind, params, id, reply) => {
      seen.push([kind, params, id]);
      reply(undefined);
    });
    f.router.dispatch({ jsonrpc: '2.0', method: '$/custom', params: { id: 3 } });
    expect(seen).toEqual([['notification', { id: 3 }, undefined]]);
    expect(f.scheduled).toEqual([]);
    sub.dispose();
    sub.dispose();
    f.router.dispatch({ jsonrpc: '2.0', method: '$/custom', params: { id: 3 } });
    expect(seen).toHaveLength(1);
    expect(f.scheduled).toHaveLength(1); // now the ordinary table answers
  });

  test('$/cancelRequest {id} reaches host.cancel; a malformed one is ignored (notification) or -32602 (request)', () => {
    const f = fakeHost({ '$/cancelRequest': 'notification' });
    f.router.dispatch({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 3 } });
    f.router.dispatch({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 'x' } });
    for (const params of [undefined, [3], {}, { id: null }, { id: 1.5 }, { id: {} }, { id: true }]) {
      f.router.dispatch({ jsonrpc: '2.0', method: '$/cancelRequest', ...(params === undefined ? {} : { params }) });
    }
    expect(f.cancels).toEqual([3, 'x']);
    expect(f.sent).toEqual([]);
    expect(f.scheduled).toEqual([]); // never reaches the handler table, even with a handler of that name
    f.router.dispatch({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id: 4 }, id: 9 });
    f.router.dispatch({ jsonrpc: '2.0', method: '$/cancelRequest', params: {}, id: 10 });
    expect(f.cancels).toEqual([3, 'x', 4]);
    expect(f.sent).toEqual([
      { jsonrpc: '2.0', result: null, id: 9 },
      { jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params', data: '$/cancelRequest takes { "id": <request id> }' }, id: 10 },
    ]);
  });

  test('reserve() refuses ordinary and duplicate names', () => {
    const f = fakeHost();
    expect(() => f.router.reserve('add', () => undefined)).toThrow(/not a reserved name/);
    f.router.reserve('rpc.discover', () => undefined);
    expect(() => f.router.reserve('rpc.discover', () => undefined)).toThrow(/already/);
  });

  test('a batch is answered once, in one array, after every request replied; notifications take no slot', () => {
    const f = fakeHost({ a: 'request', n: 'notification' });
    f.router.dispatch([
      { jsonrpc: '2.0', method: 'a', id: 1 },
      { jsonrpc: '2.0', method: 'n' },
      { jsonrpc: '2.0', method: 'a', id: 2 },
    ]);
    const [first, note, second] = f.scheduled;
    expect(note.kind).toBe('notification');
    second.reply!({ id: 2 });
    expect(f.sent).toEqual([]);
    first.reply!({ id: 1 }, true);
    expect(f.sent).toEqual([[{ id: 1 }, { id: 2 }]]);
    expect(f.closes).toEqual(['closeAfterResponse() after responding']);
  });

  test('an empty or too long batch is one -32600 with id null', () => {
    const f = fakeHost();
    f.router.dispatch([]);
    f.router.dispatch([1, 2, 3, 4]);
    expect(f.sent).toHaveLength(2);
    expect((f.sent as { error: { data: string } }[]).map((m) => m.error.data)).toEqual(['empty batch', 'batch of 4 exceeds maxBatchLength 3']);
  });

  test('a request\'s "timeout" member starts its deadline before it is scheduled; a malformed one is ignored; notifications have none', () => {
    const f = fakeHost({ work: 'request', note: 'notification' });
    f.router.dispatch({ jsonrpc: '2.0', method: 'work', id: 1, timeout: 250 });
    f.router.dispatch({ jsonrpc: '2.0', method: 'work', id: 2, timeout: 9007199254740991n });
    f.router.dispatch({ jsonrpc: '2.0', method: 'work', id: 3, timeout: 40n });
    for (const bad of ['250', -1, NaN, Infinity, 2 ** 31, null, { ms: 5 }, [5], true]) f.router.dispatch({ jsonrpc: '2.0', method: 'work', id: 4, timeout: bad });
    f.router.dispatch({ jsonrpc: '2.0', method: 'note', timeout: 250 });
    expect(f.deadlines.map(([call, ms]) => [call.id, ms])).toEqual([
      [1, 250],
      [3, 40],
    ]);
    // Every request still runs: an unusable budget is no reason to refuse the call.
    expect(f.scheduled.map((c) => c.id)).toEqual([1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, undefined]);
    expect(f.sent).toEqual([]);
    expect(f.logs.lines.filter((l) => String(l.msg).includes('"timeout" member that is not a budget'))).toHaveLength(10);
  });
});
