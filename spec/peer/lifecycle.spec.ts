/**
 * Lifecycle: close(), the other side ending or breaking the stream, join(),
 * the 'close' and 'error' events.
 */
import { once } from 'node:events';
import { serialize } from 'bson';
import { CodecError, ConnectionClosedError, createDuplexPair, InvalidRequest, notification, ParseError, PeerError, request, RpcPeer, serviceClass } from '../../lib';
import { makePeer, pair, PeerKind } from '../helpers/pair';
import { deferred, settle, until } from '../helpers/wait';

@serviceClass
class Svc {
  gate = deferred();
  started = 0;
  @request echo(...args: unknown[]) {
    return args;
  }
  @request async slow() {
    this.started++;
    await this.gate.promise;
    return 'late';
  }
  @notification note() {}
}

/** Encodes one message the way `kind`'s default framing carries it. */
function frame(kind: PeerKind, message: Record<string, unknown>): Buffer {
  return kind === 'json' ? Buffer.from(`\x1e${JSON.stringify(message)}\n`) : Buffer.from(serialize(message));
}

function countCloses(peer: RpcPeer): string[] {
  const reasons: string[] = [];
  peer.on('close', (reason) => reasons.push(reason));
  return reasons;
}

describe.each(['json', 'bson'] as const)('%s peer lifecycle', (kind) => {
  const vk = kind === 'json' ? 'jsonrpc' : 'bsonrpc';

  test('close(): pending requests on both sides reject with ConnectionClosedError naming the method; both sides close once', async () => {
    const svcA = new Svc();
    const svcB = new Svc();
    const p = pair(kind, svcA, svcB);
    const closesA = countCloses(p.a);
    const closesB = countCloses(p.b);
    const fromA = p.a.invokeRequest('slow').catch((e: unknown) => e);
    const fromB = p.b.invokeRequest('slow').catch((e: unknown) => e);
    await until(() => svcA.started === 1 && svcB.started === 1, 'both slow handlers');
    p.a.close();
    expect(p.a.isClosed).toBe(true);
    const errA = (await fromA) as Error;
    expect(errA).toBeInstanceOf(ConnectionClosedError);
    expect(errA.message).toMatch(/"slow"/);
    expect(await fromB).toBeInstanceOf(ConnectionClosedError);
    await until(() => p.b.isClosed, 'b to close');
    p.a.close();
    p.b.close();
    svcA.gate.resolve();
    svcB.gate.resolve();
    await settle();
    expect([closesA.length, closesB.length]).toEqual([1, 1]);
    expect(closesA[0]).toEqual(expect.any(String));
    await p.finish();
  });

  test('calls after close: requests reject, notifications throw, proxies too', async () => {
    const p = pair(kind, undefined, new Svc());
    p.b.close();
    await once(p.a, 'close');
    const proxy = p.a.getPeerProxy();
    const listed = p.a.getPeerProxy({ requests: ['echo'], notifications: ['note'], timeout: 100 });
    await expect(p.a.invokeRequest('echo')).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(p.a.sendRequest('echo', { x: 1 }, { timeout: 50 })).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(proxy.echo(1)).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(listed.echo(1)).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(() => p.a.invokeNotification('note')).toThrow(ConnectionClosedError);
    expect(() => p.a.sendNotification('note', [])).toThrow(ConnectionClosedError);
    expect(() => proxy.n.note()).toThrow(ConnectionClosedError);
    expect(() => listed.note()).toThrow(ConnectionClosedError);
    expect(p.a.stats().pendingRequests).toBe(0);
    await p.finish();
  });

  test('close() twice is safe and emits close once', async () => {
    const p = pair(kind, new Svc(), new Svc());
    const closes = countCloses(p.a);
    p.a.close();
    expect(() => p.a.close()).not.toThrow();
    await until(() => p.b.isClosed, 'b to close');
    p.a.close();
    await settle();
    expect(closes).toHaveLength(1);
    await p.finish();
  });

  test('join(timeout) is false while the connection is open, even with no handler running', async () => {
    const p = pair(kind, undefined, new Svc());
    expect(await p.a.join(20)).toBe(false);
    expect(p.a.isClosed).toBe(false);
    await p.finish();
  });

  test('join(timeout) is false while a handler still runs after close, true once it returns; join() waits', async () => {
    const svc = new Svc();
    const p = pair(kind, undefined, svc);
    const call = p.a.invokeRequest('slow').catch((e: unknown) => e);
    await until(() => svc.started === 1, 'the slow handler');
    p.b.close();
    expect(await call).toBeInstanceOf(ConnectionClosedError);
    expect(await p.a.join(1000)).toBe(true);
    expect(await p.b.join(30)).toBe(false);
    const joined = p.b.join();
    svc.gate.resolve();
    expect(await joined).toBe(true);
    expect(await p.b.join(1000)).toBe(true);
    await p.finish();
  });

  test('the other side ending the stream closes this side', async () => {
    const svc = new Svc();
    const p = pair(kind, new Svc(), svc);
    const call = p.a.invokeRequest('slow').catch((e: unknown) => e);
    await until(() => svc.started === 1, 'the slow handler');
    p.sockets[1].end(); // b's stream ends behind b's back
    expect(await call).toBeInstanceOf(ConnectionClosedError);
    expect(p.a.isClosed).toBe(true);
    await until(() => p.b.isClosed, 'b to close');
    svc.gate.resolve();
    await until(() => p.b.stats().runningHandlers === 0, 'the slow handler to return');
    await p.finish();
  });

  test('the stream failing closes the peer and rejects its pending requests', async () => {
    const svc = new Svc();
    const p = pair(kind, undefined, svc);
    const closes = countCloses(p.a);
    const call = p.a.invokeRequest('slow').catch((e: unknown) => e);
    await until(() => svc.started === 1, 'the slow handler');
    p.sockets[0].destroy(new Error('wire cut'));
    expect(await call).toBeInstanceOf(ConnectionClosedError);
    await until(() => p.b.isClosed, 'b to close');
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatch(/wire cut/);
    svc.gate.resolve();
    await until(() => p.b.stats().runningHandlers === 0, 'the slow handler to return');
    await p.finish();
  });

  test('a peer built on an already destroyed stream is closed', async () => {
    const [x] = createDuplexPair();
    x.destroy();
    await settle();
    const peer = makePeer(kind, x, new Svc());
    await until(() => peer.isClosed, 'the peer to close');
    await expect(peer.invokeRequest('echo')).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(await peer.join(1000)).toBe(true);
  });

  describe("the 'error' event", () => {
    const idNullError = { [vk]: '2.0', error: { code: -32600, message: 'Invalid Request', data: 'from far away' }, id: null };

    test('an error response with id null reaches the listener as its PeerError class; the connection stays open', async () => {
      const p = pair(kind, undefined, new Svc());
      const errors: Error[] = [];
      p.b.on('error', (e) => errors.push(e));
      p.sockets[0].write(frame(kind, idNullError)); // raw bytes from a's end to b
      await until(() => errors.length === 1, 'the error event');
      expect(errors[0]).toBeInstanceOf(InvalidRequest);
      expect((errors[0] as PeerError).data).toBe('from far away');
      expect(p.b.isClosed).toBe(false);
      expect(await p.a.invokeRequest('echo', 1)).toEqual([1]);
      await p.finish();
    });

    test('with no listener the same input throws nothing and is logged with the connectionId', async () => {
      const p = pair(kind, undefined, new Svc());
      expect(p.b.listenerCount('error')).toBe(0);
      p.sockets[0].write(frame(kind, idNullError));
      await until(() => p.logs.lines.some((l) => l.connectionId === 'b' && l.err), 'a log line');
      expect(p.b.isClosed).toBe(false);
      expect(await p.a.invokeRequest('echo', 2)).toEqual([2]);
      await p.finish();
    });

    test.each([true, false])('garbage on the wire (listener %p) is reported, never thrown', async (listening) => {
      const p = pair(kind, undefined, new Svc());
      const errors: Error[] = [];
      // JSON answers garbage with -32700 (id null), which a then reports; BSON cannot resynchronise, so b reports and closes.
      const reporter = kind === 'json' ? p.a : p.b;
      if (listening) reporter.on('error', (e) => errors.push(e));
      const garbage = kind === 'json' ? Buffer.from('\x1e{not json\n') : Buffer.from([0x10, 0, 0, 0, 0xff, 0x61, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
      p.sockets[0].write(garbage);
      if (kind === 'json') {
        if (listening) await until(() => errors.length > 0, 'the error event');
        else await until(() => p.logs.lines.some((l) => l.connectionId === 'a' && l.err), "a's log line");
        if (listening) expect(errors).toEqual([expect.any(ParseError)]);
        expect(await p.a.invokeRequest('echo', 3)).toEqual([3]);
      } else {
        await until(() => p.b.isClosed && p.a.isClosed, 'both sides to close');
        if (listening) expect(errors).toEqual([expect.any(CodecError)]);
        expect(p.logs.warnings().some((l) => l.connectionId === 'b')).toBe(true);
      }
      expect(errors.length).toBe(listening ? 1 : 0);
      await p.finish();
    });
  });
});
