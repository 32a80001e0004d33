/**
 * Introspection: with the option `discover`, the method `rpc.discover`
 * answers an OpenRPC 1.3.2 document of the service: methods, parameter
 * names and JSON Schemas (from declared types or validators), results,
 * summaries, descriptions and declared errors.
 *
 * Run it alone with `npx ts-node samples/discover.ts`. In your own code,
 * import from 'bsonrpc' instead of '../lib'.
 */
import { z } from 'zod';
import { createDuplexPair, JsonRpc, notification, OpenRpcDocument, request, serviceClass } from '../lib';

// #region service
@serviceClass
class Calculator {
  @request({ summary: 'Adds two numbers', errors: [{ code: -32010, message: 'overflow' }] })
  add(a: number, b: number): number {
    return a + b;
  }

  @request({ description: 'Integer division, rounding toward zero.', validate: { d: z.number().int().min(1) } })
  div(n: number, d: number): number {
    return Math.trunc(n / d);
  }

  @notification({ deprecated: true }) // a notification: listed without a result
  log(message: string): void {
    console.error(message);
  }
}
// #endregion

/** Serves a Calculator with `discover` on and asks it for its description. */
export async function main(log: (line: string) => void = console.log): Promise<OpenRpcDocument> {
  const [serverSide, clientSide] = createDuplexPair();
  // #region server
  const server = new JsonRpc(serverSide, new Calculator(), { discover: { version: '1.0.0' } });
  // #endregion
  // #region client
  const client = new JsonRpc(clientSide);
  const doc = (await client.sendRequest('rpc.discover')) as OpenRpcDocument;
  for (const m of doc.methods) log(`${m.name}(${m.params.map((p) => p.name).join(', ')})${m.result ? '' : ' [notification]'}`);
  // #endregion
  client.close();
  server.close();
  return doc;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
