/**
 * The typed batch builder: `new BatchBuilder<ServerServices>()` checks
 * method names and positional params at compile time (this file is part of
 * `tsc --noEmit`; each `@ts-expect-error` must be an error), and the typed
 * builder is accepted by `batchCall`.
 */
import { BatchBuilder, BatchProxy, notification, request, rpcRequest, RpcContext, serviceClass } from '../../lib';
import { pair } from '../helpers/pair';

@serviceClass
class Calc {
  seen: string[] = [];
  @request add(a: number, b: number): number {
    return a + b;
  }
  @notification log(msg: string): void {
    this.seen.push(msg);
  }
  @rpcRequest who(rpc: RpcContext, greeting: string): string {
    return `${greeting} ${String(rpc.clientInfo)}`;
  }
}

test('a typed builder checks names and params, and batchCall takes it', async () => {
  const calc = new Calc();
  const p = pair('json', calc, undefined, { clientInfo: 'server' }, {});
  const batch = new BatchBuilder<Calc>()
    .request('add', [1, 2])
    .request('add', { a: 3, b: 4 })
    .notification('log', ['x'])
    .request('who', ['hi']); // the RpcContext is not the caller's to give
  // @ts-expect-error not a method of Calc
  batch.request('nope', []);
  // @ts-expect-error wrong type for a positional param
  batch.request('add', ['1', 2]);
  // @ts-expect-error the context is not a positional param
  batch.request('who', [{}, 'hi']);
  batch.items.splice(4); // drop the three deliberate mistakes again
  expect(await p.b.batchCall(batch)).toEqual([3, 7, 'hi server']);
  expect(calc.seen).toEqual(['x']);
  await p.finish();
});

test('an untyped builder and proxy take anything, as before', async () => {
  const p = pair('json', new Calc());
  const results = await p.b.batchCall(new BatchBuilder().request('add', [1, 1]).request('whatever', { x: 1 }));
  expect(results?.[0]).toBe(2);
  expect(results?.[1]).toBeInstanceOf(Error);
  const untyped: BatchProxy = {} as BatchProxy;
  expect(typeof untyped).toBe('object');
  await p.finish();
});

test('BatchProxy<T> types the callback form', () => {
  const calls: string[] = [];
  const proxy = { add: () => calls.push('add'), who: () => calls.push('who'), n: { log: () => calls.push('log') } } as unknown as BatchProxy<Calc>;
  proxy.add(1, 2);
  proxy.who('hi');
  proxy.n.log('x');
  // @ts-expect-error add takes numbers
  proxy.add('1', 2);
  // @ts-expect-error not a method (never called: it would throw here)
  const never = () => proxy.nope();
  expect(typeof never).toBe('function');
  expect(calls).toEqual(['add', 'who', 'log', 'add']);
});
