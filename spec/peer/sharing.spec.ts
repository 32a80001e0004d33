/**
 * What peers share to keep a connection small (docs/performance.md,
 * "Per-connection memory"): resolved options, codecs, handler tables, the
 * listener-table prototype and the process-wide write flush. Sharing must
 * never let one peer see another's settings or writes.
 */
import type { EventEmitter } from 'node:events';
import { connect, createDuplexPair, JsonRpc, listen, request, serviceClass } from '../../lib';
import { pair } from '../helpers/pair';
import { until } from '../helpers/wait';

@serviceClass
class Echo {
  @request echo(x: unknown): unknown {
    return x;
  }
}

describe('peers that share state', () => {
  test('each peer keeps its own clientInfo and connectionId though their options resolve to one object', () => {
    const [s1, s2] = createDuplexPair();
    const a = new JsonRpc(s1, null, { timeout: 50, connectionId: 'a', clientInfo: { who: 'a' } });
    const b = new JsonRpc(s2, null, { timeout: 50, connectionId: 'b', clientInfo: { who: 'b' } });
    expect(a.connection.options).toBe(b.connection.options);
    expect(a.clientInfo).toEqual({ who: 'a' });
    expect(b.clientInfo).toEqual({ who: 'b' });
    expect(a.logger).not.toBe(b.logger);
    a.close();
    b.close();
  });

  test('different settings resolve apart, also when the caller changes its options object in between', () => {
    const options: { timeout?: number } = { timeout: 50 };
    const [s1, s2] = createDuplexPair();
    const [s3, s4] = createDuplexPair();
    const a = new JsonRpc(s1, null, options);
    options.timeout = 70;
    const b = new JsonRpc(s2, null, options);
    const c = new JsonRpc(s3, null, { maxBatchLength: 3 });
    const d = new JsonRpc(s4, null);
    expect(a.connection.options.timeout).toBe(50);
    expect(b.connection.options.timeout).toBe(70);
    expect(c.connection.options.maxBatchLength).toBe(3);
    expect(c.connection.options.timeout).toBeUndefined();
    expect(d.connection.options.maxBatchLength).toBe(1000);
    expect(Object.isFrozen(d.connection.options)).toBe(true);
    for (const p of [a, b, c, d]) p.close();
  });

  test('a bad option still fails when a valid one was resolved just before', () => {
    const [s1, s2] = createDuplexPair();
    const a = new JsonRpc(s1, null, { maxQueuedMessages: 5 });
    expect(() => new JsonRpc(s2, null, { maxQueuedMessages: -5 })).toThrow(/maxQueuedMessages/);
    a.close();
    s2.destroy();
  });

  test('peers serving one services object answer independently', async () => {
    const services = new Echo();
    const p = pair('json', services, undefined);
    const q = pair('json', services, undefined);
    await expect(Promise.all([p.b.invokeRequest('echo', 1), q.b.invokeRequest('echo', 2)])).resolves.toEqual([1, 2]);
    await p.finish();
    await q.finish();
  });

  test('writes of several connections made in one tick all leave (one flush for all of them)', async () => {
    const pairs = [pair('json', new Echo()), pair('bson', new Echo()), pair('json', new Echo())];
    // All requests are sent in the same tick, so all three transports are corked together.
    const answers = pairs.map((p, i) => p.b.invokeRequest('echo', `hello ${i}`));
    await expect(Promise.all(answers)).resolves.toEqual(['hello 0', 'hello 1', 'hello 2']);
    for (const p of pairs) await p.finish();
  });

  test('the listener table behaves as an EventEmitter table', () => {
    const [s1] = createDuplexPair();
    const peer = new JsonRpc(s1);
    const seen: string[] = [];
    const onClose = (reason: string): void => void seen.push(reason);
    expect(peer.eventNames()).toEqual([]);
    expect(peer.listenerCount('constructor')).toBe(0);
    expect(peer.emit('toString' as 'close', 'x')).toBe(false);
    peer.on('close', onClose);
    peer.once('close', () => seen.push('once'));
    expect(peer.listenerCount('close')).toBe(2);
    expect(peer.eventNames()).toEqual(['close']);
    peer.off('close', onClose);
    expect(peer.listenerCount('close')).toBe(1);
    peer.on('close', onClose);
    peer.close();
    expect(seen).toEqual(['once', 'closed by this side']);
    peer.removeAllListeners();
    expect(peer.eventNames()).toEqual([]);
  });
});

describe('listeners shared by every connection of a server', () => {
  test('tcp and ws: the sockets of two connections carry the same listener functions, and each still reaches its own peer', async () => {
    for (const url of ['tcp://127.0.0.1:0', 'ws://127.0.0.1:0/rpc']) {
      const server = await listen(url, () => new Echo());
      const clients = [await connect(server.url), await connect(server.url)];
      try {
        await until(() => server.connections.size === 2, 'both connections');
        const [p1, p2] = [...server.connections];
        const t1 = p1.connection.transport as unknown as { socket?: EventEmitter; stream?: EventEmitter };
        const t2 = p2.connection.transport as unknown as { socket?: EventEmitter; stream?: EventEmitter };
        const e1 = (t1.socket ?? t1.stream)!;
        const e2 = (t2.socket ?? t2.stream)!;
        for (const event of ['close', 'error']) {
          const shared = e1.listeners(event).filter((l) => e2.listeners(event).includes(l));
          // The transport's own listener at least (and, on TCP, the server's socket bookkeeping).
          expect(shared.length).toBeGreaterThanOrEqual(1);
        }
        expect(await clients[0].sendRequest('echo', ['one'])).toBe('one');
        expect(await clients[1].sendRequest('echo', ['two'])).toBe('two');
        clients[0].close();
        await until(() => server.connections.size === 1, 'the first connection to be forgotten');
        expect([...server.connections]).toEqual([p2]);
      } finally {
        for (const c of clients) c.close();
        await server.close();
      }
    }
  });
});
