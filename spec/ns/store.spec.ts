/**
 * The in-memory store on a fake clock: leases lapse exactly at their
 * time, renewals push them on, owners' entries go with their connection,
 * and lists are sorted and filtered by prefix.
 */
import { MemoryNameStore } from '../../lib';

const e = (name: string, url: string, metadata: Record<string, string> = {}) => ({ name, url, metadata });

test('a lease lapses at its time unless renewed; a sweep frees it', () => {
  let now = 1000;
  const store = new MemoryNameStore(() => now);
  store.register(e('a', 'tcp://h:1'), { expiresAt: now + 100 });
  now += 99;
  expect(store.urls('a')).toEqual(['tcp://h:1']);
  store.register(e('a', 'tcp://h:1'), { expiresAt: now + 100 }); // renewed
  now += 99;
  expect(store.urls('a')).toEqual(['tcp://h:1']);
  now += 1;
  expect(store.urls('a')).toEqual([]);
  expect(store.list('')).toEqual([]);
  expect(store.size()).toBe(1); // lapsed but not yet swept
  store.sweep();
  expect(store.size()).toBe(0);
  store.close();
});

test("an owner's entries go when it is dropped; others stay", () => {
  const store = new MemoryNameStore();
  store.register(e('x', 'tcp://h:1'), { owner: 'c1' });
  store.register(e('x', 'tcp://h:2'), { owner: 'c2' });
  store.register(e('y', 'tcp://h:3'), { owner: 'c1' });
  expect(store.dropOwner('c1')).toBe(2);
  expect(store.dropOwner('c1')).toBe(0);
  expect(store.list('')).toEqual([e('x', 'tcp://h:2')]);
  expect(store.size()).toBe(1);
});

test('re-registering replaces metadata and keeps the order; unregister by name or by name and url', () => {
  const store = new MemoryNameStore();
  store.register(e('n', 'tcp://h:1', { v: '1' }), { owner: 'c1' });
  store.register(e('n', 'tcp://h:2'), { owner: 'c1' });
  store.register(e('n', 'tcp://h:1', { v: '2' }), { owner: 'c2' });
  expect(store.urls('n')).toEqual(['tcp://h:1', 'tcp://h:2']);
  expect(store.list('n')[0].metadata).toEqual({ v: '2' });
  expect(store.dropOwner('c1')).toBe(1); // the renewed entry now belongs to c2
  expect(store.unregister('n', 'tcp://h:9')).toBe(0);
  expect(store.unregister('n')).toBe(1);
  expect(store.unregister('n')).toBe(0);
});

test('list is sorted by name then url and filtered by prefix', () => {
  const store = new MemoryNameStore();
  for (const [n, u] of [['b.x', 'tcp://h:2'], ['a.y', 'tcp://h:1'], ['b.x', 'tcp://h:1'], ['c', 'tcp://h:1']]) store.register(e(n, u), {});
  expect(store.list('').map((x) => `${x.name} ${x.url}`)).toEqual(['a.y tcp://h:1', 'b.x tcp://h:1', 'b.x tcp://h:2', 'c tcp://h:1']);
  expect(store.list('b.').length).toBe(2);
  expect(store.list('zzz')).toEqual([]);
});
