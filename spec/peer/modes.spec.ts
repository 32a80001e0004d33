/**
 * Dispatch modes: concurrentRequestHandling and
 * concurrentNotificationHandling, observed through the order in which
 * handlers start and finish (gates, not timing).
 */
import { MethodNotFound, notification, request, serviceClass, ServerError } from '../../lib';
import { pair } from '../helpers/pair';
import { deferred, settle, until } from '../helpers/wait';

@serviceClass
class Gated {
  events: string[] = [];
  private gates = new Map<string, ReturnType<typeof deferred>>();
  gate(name: string) {
    let g = this.gates.get(name);
    if (!g) this.gates.set(name, (g = deferred()));
    return g;
  }
  @request async work(name: string) {
    this.events.push(`start ${name}`);
    await this.gate(name).promise;
    this.events.push(`end ${name}`);
    return name;
  }
  @notification async note(name: string) {
    this.events.push(`start ${name}`);
    await this.gate(name).promise;
    this.events.push(`end ${name}`);
  }
  @request probe(name: string) {
    this.events.push(`probe ${name}`);
    return name;
  }
  @notification mark(name: string) {
    this.events.push(`mark ${name}`);
  }
  @request boom() {
    this.events.push('boom');
    throw new Error('boom');
  }
  @notification async noteBoom() {
    this.events.push('noteBoom');
    throw new Error('boom');
  }
  @request async step(i: number) {
    this.events.push(`start ${i}`);
    for (let k = 0; k < i % 3; k++) await new Promise((r) => setImmediate(r));
    this.events.push(`end ${i}`);
    return i;
  }
}

describe.each(['json', 'bson'] as const)('%s peer dispatch modes', (kind) => {
  describe('requests', () => {
    test('concurrentRequestHandling true (default): slow requests interleave', async () => {
      const svc = new Gated();
      const p = pair(kind, undefined, svc);
      const one = p.a.invokeRequest('work', '1');
      const two = p.a.invokeRequest('work', '2');
      await until(() => svc.events.length === 2, 'both to start');
      expect(svc.events).toEqual(['start 1', 'start 2']);
      svc.gate('2').resolve();
      expect(await two).toBe('2');
      svc.gate('1').resolve();
      expect(await one).toBe('1');
      expect(svc.events).toEqual(['start 1', 'start 2', 'end 2', 'end 1']);
      await p.finish();
    });

    test('concurrentRequestHandling false: one at a time, in arrival order', async () => {
      const svc = new Gated();
      const p = pair(kind, undefined, svc, {}, { concurrentRequestHandling: false });
      const one = p.a.invokeRequest('work', '1');
      const two = p.a.invokeRequest('work', '2');
      // The notification queue is separate: once this mark is seen, request 2 has arrived too.
      p.a.invokeNotification('mark', 'x');
      await until(() => svc.events.includes('mark x'), 'the mark');
      expect(svc.events).toEqual(['start 1', 'mark x']);
      svc.gate('2').resolve(); // opening 2's gate early must not let it start before 1 ends
      await settle();
      expect(svc.events).toEqual(['start 1', 'mark x']);
      svc.gate('1').resolve();
      expect(await Promise.all([one, two])).toEqual(['1', '2']);
      expect(svc.events).toEqual(['start 1', 'mark x', 'end 1', 'start 2', 'end 2']);
      await p.finish();
    });

    test('concurrentRequestHandling false: many mixed sync and async handlers never overlap', async () => {
      const svc = new Gated();
      const p = pair(kind, undefined, svc, {}, { concurrentRequestHandling: false });
      const n = 30;
      expect(await Promise.all(Array.from({ length: n }, (_, i) => p.a.invokeRequest('step', i)))).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(svc.events).toEqual(Array.from({ length: n }, (_, i) => [`start ${i}`, `end ${i}`]).flat());
      await p.finish();
    });

    test('concurrentRequestHandling false: a failing handler does not stall the queue', async () => {
      const svc = new Gated();
      const p = pair(kind, undefined, svc, {}, { concurrentRequestHandling: false });
      const results = await Promise.allSettled([p.a.invokeRequest('boom'), p.a.invokeRequest('nope'), p.a.invokeRequest('probe', 'after')]);
      expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(ServerError) });
      expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(MethodNotFound) });
      expect(results[2]).toEqual({ status: 'fulfilled', value: 'after' });
      expect(svc.events).toEqual(['boom', 'probe after']);
      await p.finish();
    });

    test('concurrentRequestHandling false: a queued request does not start after the connection closed', async () => {
      const svc = new Gated();
      const p = pair(kind, undefined, svc, {}, { concurrentRequestHandling: false });
      const calls = [p.a.invokeRequest('work', '1'), p.a.invokeRequest('work', '2')].map((c) => c.catch((e: unknown) => e));
      p.a.invokeNotification('mark', 'x');
      await until(() => svc.events.includes('mark x'), 'request 2 to be queued');
      p.a.close();
      await until(() => p.b.isClosed, 'b to close');
      svc.gate('2').resolve();
      svc.gate('1').resolve();
      expect(await p.b.join(1000)).toBe(true);
      await Promise.all(calls);
      expect(svc.events).toEqual(['start 1', 'mark x', 'end 1']);
      await p.finish();
    });
  });

  describe('notifications', () => {
    test('concurrentNotificationHandling false (default): async notifications run one at a time, in order', async () => {
      const svc = new Gated();
      const p = pair(kind, undefined, svc);
      p.a.invokeNotification('note', 'n1');
      p.a.invokeNotification('note', 'n2');
      p.a.invokeNotification('mark', 'm');
      // Requests are concurrent: once this answers, every notification before it has arrived.
      expect(await p.a.invokeRequest('probe', 'p')).toBe('p');
      expect(svc.events).toEqual(['start n1', 'probe p']);
      svc.gate('n2').resolve();
      svc.gate('n1').resolve();
      await until(() => svc.events.includes('mark m'), 'the queue to drain');
      expect(svc.events).toEqual(['start n1', 'probe p', 'end n1', 'start n2', 'end n2', 'mark m']);
      await p.finish();
    });

    test('concurrentNotificationHandling true: notifications interleave', async () => {
      const svc = new Gated();
      const p = pair(kind, undefined, svc, {}, { concurrentNotificationHandling: true });
      p.a.invokeNotification('note', 'n1');
      p.a.invokeNotification('note', 'n2');
      p.a.invokeNotification('mark', 'm');
      expect(await p.a.invokeRequest('probe', 'p')).toBe('p');
      expect(svc.events).toEqual(['start n1', 'start n2', 'mark m', 'probe p']);
      svc.gate('n2').resolve();
      await until(() => svc.events.includes('end n2'), 'n2');
      svc.gate('n1').resolve();
      await until(() => svc.events.includes('end n1'), 'n1');
      expect(svc.events.slice(4)).toEqual(['end n2', 'end n1']);
      await p.finish();
    });

    test('serial notifications: a failing handler does not stall the queue', async () => {
      const svc = new Gated();
      const p = pair(kind, undefined, svc);
      p.a.invokeNotification('noteBoom');
      p.a.invokeNotification('mark', 'after');
      await until(() => svc.events.includes('mark after'), 'the mark');
      expect(svc.events).toEqual(['noteBoom', 'mark after']);
      await p.finish();
    });

    test('serial notifications do not hold back requests', async () => {
      const svc = new Gated();
      const p = pair(kind, undefined, svc, {}, { concurrentRequestHandling: false });
      p.a.invokeNotification('note', 'n1');
      expect(await p.a.invokeRequest('probe', 'p')).toBe('p');
      svc.gate('n1').resolve();
      await until(() => svc.events.includes('end n1'), 'n1');
      await p.finish();
    });
  });

  describe.each([true, false])('a side with concurrentRequestHandling %p', (concurrent) => {
    test('running a slow handler for the other side never holds back the answers to its own calls', async () => {
      const svcA = new Gated();
      const svcB = new Gated();
      const p = pair(kind, svcA, svcB, { concurrentRequestHandling: concurrent }, {});
      // b keeps a busy with a slow handler…
      const slow = p.b.invokeRequest('work', 'slow');
      await until(() => svcA.events.includes('start slow'), 'the slow handler');
      // …while a's own calls to b are answered.
      expect(await p.a.invokeRequest('probe', 'one')).toBe('one');
      expect(await p.a.getPeerProxy().probe('two')).toBe('two');
      expect(svcA.events).toEqual(['start slow']);
      svcA.gate('slow').resolve();
      expect(await slow).toBe('slow');
      await p.finish();
    });

    test('a slow handler can call back into the caller while it runs', async () => {
      @serviceClass
      class CallsBack {
        @request async ask() {
          return 'unused';
        }
      }
      const svcB = new Gated();
      const p = pair(kind, new CallsBack(), svcB, {}, { concurrentRequestHandling: concurrent });
      const slow = p.a.invokeRequest('work', 'w');
      await until(() => svcB.events.includes('start w'), 'the slow handler');
      expect(await p.b.invokeRequest('ask')).toBe('unused');
      svcB.gate('w').resolve();
      expect(await slow).toBe('w');
      await p.finish();
    });
  });
});
