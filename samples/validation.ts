/**
 * Validation before a handler runs: arguments checked against their
 * declared types (legacy decorators with `emitDecoratorMetadata`), and
 * richer checks with Standard Schema validators (zod here; valibot and
 * others work the same) for parameters and for the result.
 *
 * Run it alone with `npx ts-node samples/validation.ts`. In your own code,
 * import from 'bsonrpc' instead of '../lib'.
 */
import { z } from 'zod';
import { createDuplexPair, defineService, JsonRpc, PeerError, request, serviceClass } from '../lib';

// #region types
@serviceClass
class Shop {
  // Declared types are checked: price('3', 2) answers -32602 naming "sku".
  @request
  price(sku: string, qty: number): number {
    return qty * (sku.startsWith('B') ? 2.5 : 1);
  }
}
// #endregion

// #region schemas
@serviceClass
class Accounts {
  @request({
    validate: { email: z.email(), age: z.number().int().min(18) }, // parameter name → validator
    returns: z.object({ id: z.string() }), // checks the result: a failure answers -32603
  })
  register(email: string, age: number): { id: string } {
    return { id: `user:${email}:${age}` };
  }

  // A validator's output is what the handler gets: here a Date from a string.
  @request({ validate: { since: z.coerce.date() } })
  daysSince(since: Date): number {
    return Math.floor((Date.UTC(2026, 10, 30) - since.getTime()) / 86_400_000);
  }
}
// #endregion

// #region define
const tags = defineService({
  tag: request((name: string) => `#${name}`, { validate: { name: z.string().regex(/^[a-z]+$/) } }),
});
// #endregion

/** Runs each call over an in-memory pair; resolves to what each call came to. */
export async function main(log: (line: string) => void = console.log): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const service of [new Shop(), new Accounts(), tags]) {
    const [serverSide, clientSide] = createDuplexPair();
    const server = new JsonRpc(serverSide, service);
    const client = new JsonRpc(clientSide);
    const calls: [string, unknown[] | Record<string, unknown>][] =
      service instanceof Shop
        ? [['price', ['B-1', 2]], ['price', [3, 2]]]
        : service instanceof Accounts
          ? [['register', { email: 'ada@example.org', age: 36 }], ['register', ['ada@example.org', 12]], ['register', ['not-an-email', 40]], ['daysSince', ['2026-11-20']]]
          : [['tag', ['news']], ['tag', ['News!']]];
    for (const [method, params] of calls) {
      const key = `${method} ${JSON.stringify(params)}`;
      // #region caller
      try {
        results[key] = await client.sendRequest(method, params);
      } catch (err) {
        const { code, data } = err as PeerError; // data names the parameter, and what was wrong
        results[key] = { code, data };
      }
      // #endregion
      log(`${key} -> ${JSON.stringify(results[key])}`);
    }
    client.close();
    server.close();
  }
  return results;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
