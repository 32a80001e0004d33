/**
 * Validation with cancellation and middleware (both on main): a caller's
 * timeout cancels a call whose validator never settles, which frees its
 * slot at once; middleware's `next()` runs validation.
 */
import { z } from 'zod';
import { InvalidParams, request, serviceClass, StandardSchema } from '../../lib';
import type { PeerKind } from '../helpers/pair';
import { pair } from '../helpers/pair';
import { until } from '../helpers/wait';

const never: StandardSchema = { '~standard': { version: 1, vendor: 'test', validate: () => new Promise(() => undefined) } };

@serviceClass
class Svc {
  @request({ validate: { x: never } }) hanging(x: number) {
    return x;
  }
  @request({ validate: { n: z.number().int() } }) twice(n: number) {
    return 2 * n;
  }
  @request typed(s: string) {
    return s;
  }
}

describe.each<PeerKind>(['json', 'bson'])('over %s', (kind) => {
  test("a validator that never settles is freed by the caller's cancellation, not only by close", async () => {
    const p = pair(kind, new Svc());
    await expect(p.b.sendRequest('hanging', [1], { timeout: 30 })).rejects.toThrow(/timed out/);
    await until(() => p.a.stats().runningHandlers === 0, 'the cancelled validator to let go');
    await p.finish();
  });

  test('middleware sees the wire params; next() runs validation, whose -32602 it may observe', async () => {
    const p = pair(kind, new Svc());
    const seen: unknown[] = [];
    p.a.use(async (call, next) => {
      try {
        return await next();
      } catch (err) {
        seen.push([call.method, err instanceof InvalidParams ? (err.data as { param: string }).param : String(err)]);
        throw err;
      }
    });
    expect(await p.b.sendRequest('twice', [2])).toBe(4);
    await expect(p.b.sendRequest('twice', [2.5])).rejects.toBeInstanceOf(InvalidParams);
    await expect(p.b.sendRequest('typed', [1])).rejects.toBeInstanceOf(InvalidParams);
    expect(seen).toEqual([['twice', 'n'], ['typed', 's']]);
    await p.finish();
  });
});
