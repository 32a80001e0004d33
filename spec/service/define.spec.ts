/**
 * defineService: services without decorators, for JavaScript. The same
 * table, the same checks and the same reachability rules as decorated
 * classes.
 */
import { defineService, InvalidParams, MethodNotFound, notification, request, rpcNotification, rpcRequest, RpcContext } from '../../lib';
import { handlerTable } from '../../lib/service/registry';
import { pair } from '../helpers/pair';

const outcome = (p: Promise<unknown>) =>
  p.then(
    (v) => v,
    (e: unknown) => (e instanceof MethodNotFound ? 'MethodNotFound' : e instanceof InvalidParams ? `InvalidParams: ${String(e.data)}` : String(e)),
  );

describe('defineService without lists: every function is exposed', () => {
  const make = () =>
    defineService({
      count: 0,
      notes: [] as string[],
      add(a: number, b: number) {
        return a + b;
      },
      'math.pow': (base: number, exponent = 2) => base ** exponent,
      bump() {
        return ++this.count;
      },
      log: notification(function (this: { notes: string[] }, msg: string) {
        this.notes.push(msg);
      }),
      whoAmI: rpcRequest((rpc: RpcContext) => rpc.clientInfo),
      renamed: request((x: number) => -x, { name: 'neg' }),
      listed: request(({ x }: { x: number }, k: number) => x * k, { params: ['point', 'k'] }),
      bye: rpcNotification((rpc: RpcContext) => rpc.abort()),
    });

  test('the table: wire names, kinds, context, params', () => {
    const table = handlerTable(make());
    expect([...table.values()].map((s) => [s.wireName, s.propertyKey, s.kind, s.withContext, s.shape.names])).toEqual([
      ['add', 'add', 'request', false, ['a', 'b']],
      ['math.pow', 'math.pow', 'request', false, ['base', 'exponent']],
      ['bump', 'bump', 'request', false, []],
      ['log', 'log', 'notification', false, ['msg']],
      ['whoAmI', 'whoAmI', 'request', true, []],
      ['neg', 'renamed', 'request', false, ['x']],
      ['listed', 'listed', 'request', false, ['point', 'k']],
      ['bye', 'bye', 'notification', true, []],
    ]);
  });

  test('calls over a pair: this is the service, state is kept, only handlers are reachable', async () => {
    const service = make();
    const p = pair('json', service, undefined, { clientInfo: 'server side' }, {});
    const call = (m: string, params?: unknown[] | Record<string, unknown>) => outcome(p.b.sendRequest(m, params as never));
    expect({
      add: await call('add', { a: 1, b: 2 }),
      pow: await call('math.pow', [3]),
      bump1: await call('bump'),
      bump2: await call('bump'),
      who: await call('whoAmI'),
      neg: await call('neg', [4]),
      renamedJsName: await call('renamed', [4]),
      listed: await call('listed', { point: { x: 2 }, k: 3 }),
      count: await call('count'),
      notes: await call('notes'),
      toString: await call('toString'),
      logAsRequest: await call('log', ['x']),
      tooMany: await call('add', [1, 2, 3]),
    }).toEqual({
      add: 3,
      pow: 9,
      bump1: 1,
      bump2: 2,
      who: 'server side',
      neg: -4,
      renamedJsName: 'MethodNotFound',
      listed: 6,
      count: 'MethodNotFound',
      notes: 'MethodNotFound',
      toString: 'MethodNotFound',
      logAsRequest: 'MethodNotFound',
      tooMany: 'InvalidParams: "add" expects at most 2 argument(s), got 3',
    });
    // The result types a proxy: definitions unwrap to their functions, the context is dropped.
    const typed = p.b.getPeerProxy<typeof service>();
    const sum: number = await typed.add(1, 2);
    const who: unknown = await typed.whoAmI();
    expect([sum, who]).toEqual([3, 'server side']);
    // @ts-expect-error add takes numbers (never called)
    const wrong = () => typed.add('1', 2);
    expect(typeof wrong).toBe('function');
    p.b.sendNotification('log', ['hello']);
    await p.b.invokeRequest('add', 0, 0);
    expect(service.notes).toEqual(['hello']);
    expect(service.count).toBe(2);
    await p.finish();
  });

  test('each call makes its own class: two services do not share a table', () => {
    const a = defineService({ a: () => 1 });
    const b = defineService({ b: () => 2 });
    expect([...handlerTable(a).keys()]).toEqual(['a']);
    expect([...handlerTable(b).keys()]).toEqual(['b']);
  });
});

describe('defineService with lists: only the listed functions are exposed', () => {
  test('kinds by list; unlisted functions stay helpers', async () => {
    const service = defineService(
      {
        seen: [] as string[],
        greet(name: string) {
          return this.shout(`hello ${name}`);
        },
        shout(s: string) {
          return s.toUpperCase();
        },
        note(msg: string) {
          this.seen.push(msg);
        },
        who(rpc: RpcContext) {
          return rpc.method;
        },
      },
      { requests: ['greet'], notifications: ['note'], rpcRequests: ['who'] },
    );
    expect([...handlerTable(service).values()].map((s) => [s.wireName, s.kind, s.withContext])).toEqual([
      ['greet', 'request', false],
      ['note', 'notification', false],
      ['who', 'request', true],
    ]);
    const p = pair('json', service);
    expect(await p.b.invokeRequest('greet', 'ada')).toBe('HELLO ADA');
    expect(await p.b.invokeRequest('who')).toBe('who');
    expect(await outcome(p.b.invokeRequest('shout', 'x'))).toBe('MethodNotFound');
    await p.finish();
  });

  test.each([
    ['a listed name that is not a function', () => defineService({ x: 1 }, { requests: ['x'] }), /"x" is listed but is not a function/],
    ['a listed name that is missing', () => defineService({}, { notifications: ['gone'] }), /"gone" is listed but is not a function/],
    ['a name in two lists', () => defineService({ f() {} }, { requests: ['f'], notifications: ['f'] }), /"f" is in more than one list/],
    ['a duplicate wire name', () => defineService({ a: () => 1, b: request(() => 2, { name: 'a' }) }), /duplicate wire name "a" in Service/],
    ['not an object', () => defineService(null as unknown as object), /defineService takes an object/],
    ['a named service in messages', () => defineService({ x: 1 }, { name: 'Calc', requests: ['x'] }), /defineService\(Calc\)/],
  ])('%s throws a TypeError', (_label, define, message) => {
    expect(define).toThrow(TypeError);
    expect(define).toThrow(message);
  });
});

test('a params list of the wrong length is refused when the service is defined', () => {
  expect(() => defineService({ f: request((a: number, b: number) => a + b, { params: ['a'] }) })).toThrow(
    /Service\.f: the params option lists 1 name\(s\), but the method declares 2 parameter\(s\); list one name for each/,
  );
  expect(() => defineService({ g: rpcRequest((_rpc: RpcContext, a: number) => a, { params: ['a', 'b'] }) })).toThrow(
    /declares 1 parameter\(s\) after the RpcContext/,
  );
  expect(() => defineService({ h: request((a: number, ...more: number[]) => a + more.length, { params: ['first'] }) })).not.toThrow();
});
