/**
 * The nested-callback deadlock of issue 11: a server whose `@rpcRequest`
 * handler calls back its caller, under many concurrent calls with default
 * options. Before the fix, past `maxQueuedMessages` queued requests the
 * server paused reading, which also held back the responses its running
 * handlers awaited: 1,000 calls succeeded, 1,200 all hung.
 *
 * Every call here must succeed with default options, both peer kinds,
 * interleaved and serial dispatch, and with the callbacks flowing either way.
 */
import { request, rpcRequest, RpcContext, serviceClass } from '../../lib';
import { pair, PeerKind } from '../helpers/pair';

@serviceClass
class Titles {
  @request title(n: number) {
    return `#${n}`;
  }
}

@serviceClass
class Nested {
  @rpcRequest async greet(rpc: RpcContext, n: number) {
    const title = await rpc.getPeerProxy<Titles>().title(n);
    return `hello ${title}`;
  }
}

/** Both roles in one class: each side can be the caller and the callee. */
@serviceClass
class Both {
  @request title(n: number) {
    return `#${n}`;
  }
  @rpcRequest async greet(rpc: RpcContext, n: number) {
    const title = await rpc.getPeerProxy<Titles>().title(n);
    return `hello ${title}`;
  }
}

const CASES: [PeerKind, number, boolean][] = [];
for (const kind of ['json', 'bson'] as const) {
  for (const n of [1200, 5000]) for (const concurrent of [true, false]) CASES.push([kind, n, concurrent]);
}

describe('nested callbacks under load never deadlock', () => {
  test.each(CASES)('%s: %d concurrent calls, concurrentRequestHandling %s', async (kind, n, concurrent) => {
    const p = pair(kind, new Nested(), new Titles(), { concurrentRequestHandling: concurrent }, {});
    const server = p.b.getPeerProxy<Nested>();
    const calls: Promise<string>[] = [];
    for (let i = 0; i < n; i++) calls.push(server.greet(i));
    const results = await Promise.all(calls);
    expect(results.length).toBe(n);
    expect(results[0]).toBe('hello #0');
    expect(results[n - 1]).toBe(`hello #${n - 1}`);
    expect(new Set(results).size).toBe(n);
    await p.finish();
  }, 20000);

  test.each(['json', 'bson'] as const)('%s: 2 × 3,000 calls in both directions at once', async (kind) => {
    const p = pair(kind, new Both(), new Both());
    const fromB = Array.from({ length: 3000 }, (_, i) => p.b.getPeerProxy<Both>().greet(i));
    const fromA = Array.from({ length: 3000 }, (_, i) => p.a.getPeerProxy<Both>().greet(i + 3000));
    const results = await Promise.all([...fromA, ...fromB]);
    expect(new Set(results).size).toBe(6000);
    await p.finish();
  }, 20000);
});
