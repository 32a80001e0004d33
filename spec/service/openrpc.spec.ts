/**
 * Introspection: `discover: true` makes `rpc.discover` answer an OpenRPC
 * 1.3.2 document of the service, which @open-rpc/schema-utils-js accepts;
 * without the option the name is -32601 as before.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { z } from 'zod';
import { defineService, listen, connect, MethodNotFound, notification, openRpcDocument, OpenRpcDocument, request, rpcNotification, RpcContext, serviceClass, StandardSchema } from '../../lib';
import type { PeerKind } from '../helpers/pair';
import { validateOpenRpc } from '../helpers/openrpc';
import { pair } from '../helpers/pair';

@serviceClass
class Catalog {
  @request({ summary: 'Adds two numbers', description: 'Returns a + b.', errors: [{ code: -32010, message: 'overflow' }] })
  add(a: number, b: number): number {
    return a + b;
  }
  @request({ validate: { sku: z.string().regex(/^[A-Z]{3}-\d+$/), qty: z.number().int().positive() }, returns: z.object({ ok: z.boolean() }) })
  order(sku: string, qty: number = 1) {
    return { ok: sku.length > 0 && qty > 0 };
  }
  @request({ name: 'legacy.find', deprecated: true })
  async find(name: string, ...more: string[]) {
    return [name, ...more];
  }
  @notification({ description: 'Tells the server something happened.' })
  log(message: string, at: Date) {
    return [message, at];
  }
  @rpcNotification bye(rpc: RpcContext) {
    rpc.abort();
  }
  @request point({ x, y }: { x: number; y: number }) {
    return x + y;
  }
  helper() {}
}

const check = (doc: unknown) => validateOpenRpc(doc) === 'valid' || validateOpenRpc(doc);

describe.each<PeerKind>(['json', 'bson'])('rpc.discover over %s', (kind) => {
  test('answers a valid OpenRPC 1.3.2 document describing the service', async () => {
    const p = pair(kind, new Catalog(), undefined, { discover: true }, {});
    const doc = (await p.b.sendRequest('rpc.discover')) as OpenRpcDocument;
    expect(check(doc)).toBe(true);
    expect(doc.openrpc).toBe('1.3.2');
    expect(doc.info).toEqual({ title: 'Catalog', version: '0.0.0' });
    expect(doc.methods.map((m) => m.name)).toEqual(['add', 'order', 'legacy.find', 'log', 'bye', 'point']);
    const [add, order, find, log, bye, point] = doc.methods;
    expect(add).toEqual({
      name: 'add',
      summary: 'Adds two numbers',
      description: 'Returns a + b.',
      paramStructure: 'either',
      params: [
        { name: 'a', required: true, schema: { type: 'number' } },
        { name: 'b', required: true, schema: { type: 'number' } },
      ],
      result: { name: 'result', schema: { type: 'number' } },
      errors: [{ code: -32010, message: 'overflow' }],
    });
    // zod offers the Standard JSON Schema converter itself.
    expect(order.params).toEqual([
      { name: 'sku', required: true, schema: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' } },
      { name: 'qty', required: false, schema: expect.objectContaining({ type: 'integer', exclusiveMinimum: 0 }) },
    ]);
    expect(order.result?.schema).toMatchObject({ type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] });
    // An async method's design return type is Promise: nothing known. A rest parameter is not listed.
    expect(find).toEqual({ name: 'legacy.find', deprecated: true, paramStructure: 'either', params: [{ name: 'name', required: true, schema: { type: 'string' } }], result: { name: 'result', schema: {} } });
    // Notifications are methods without a result.
    expect(log).toEqual({
      name: 'log',
      description: 'Tells the server something happened.',
      paramStructure: 'either',
      params: [
        { name: 'message', required: true, schema: { type: 'string' } },
        { name: 'at', required: true, schema: { type: 'string', format: 'date-time' } },
      ],
    });
    expect(bye).toEqual({ name: 'bye', paramStructure: 'either', params: [] });
    // A destructured parameter has no name: by position only. Its type is an object literal (Object): anything.
    expect(point).toEqual({ name: 'point', paramStructure: 'by-position', params: [{ name: 'arg0', required: true, schema: {} }], result: { name: 'result', schema: {} } });
    await p.finish();
  });

  test('without the option, rpc.discover is -32601', async () => {
    const p = pair(kind, new Catalog());
    await expect(p.b.sendRequest('rpc.discover')).rejects.toBeInstanceOf(MethodNotFound);
    await p.finish();
  });
});

test('title, version, description and a converter for valibot, from the option object', async () => {
  const service = defineService(
    {
      greet: request((name: string) => `hi ${name}`, { validate: { name: v.pipe(v.string(), v.minLength(2)) }, returns: v.string() }),
      opaque: request((x: unknown) => x, { validate: { x: z.string().transform((s) => s.length) } }),
    },
    { name: 'Greeter' },
  );
  const jsonSchema = (s: StandardSchema) => (s['~standard'].vendor === 'valibot' ? (toJsonSchema(s as never) as Record<string, unknown>) : undefined);
  const p = pair('json', service, undefined, { discover: { version: '1.2.3', description: 'Says hello.', jsonSchema } }, {});
  const doc = (await p.b.sendRequest('rpc.discover')) as OpenRpcDocument;
  expect(check(doc)).toBe(true);
  expect(doc.info).toEqual({ title: 'Greeter', version: '1.2.3', description: 'Says hello.' });
  expect(doc.methods[0].params).toEqual([{ name: 'name', required: true, schema: { type: 'string', minLength: 2 } }]);
  expect(doc.methods[0].result).toEqual({ name: 'result', schema: { type: 'string' } });
  // zod's input schema of a transform: the string it takes.
  expect(doc.methods[1].params[0].schema).toEqual({ type: 'string' });
  // Calls with a notification to rpc.discover get nothing back, and the connection goes on.
  p.b.sendNotification('rpc.discover');
  expect(await p.b.sendRequest('greet', ['al'])).toBe('hi al');
  await p.finish();
});

test('a converter that throws, or a validator with no converter, gives {}', () => {
  const bare: StandardSchema = { '~standard': { version: 1, vendor: 'x', validate: (value) => ({ value }) } };
  const service = defineService({ f: request((a: number) => a, { validate: { a: bare }, returns: bare }) });
  const doc = openRpcDocument(service, {
    jsonSchema: () => {
      throw new Error('cannot');
    },
  });
  expect(doc.methods[0]).toEqual({ name: 'f', paramStructure: 'either', params: [{ name: 'a', required: true, schema: {} }], result: { name: 'result', schema: {} } });
  expect(check(doc)).toBe(true);
  expect(openRpcDocument(undefined)).toEqual({ openrpc: '1.3.2', info: { title: 'bsonrpc service', version: '0.0.0' }, methods: [] });
});

test('the option passes through listen and connect', async () => {
  const server = await listen('tcp://127.0.0.1:0', () => new Catalog(), { discover: { title: 'catalog' } });
  const client = await connect(server.url, undefined, { discover: true });
  try {
    const doc = (await client.sendRequest('rpc.discover')) as OpenRpcDocument;
    expect(doc.info.title).toBe('catalog');
    // The client was given the option too: without services it describes no methods.
    const peer = [...server.connections][0];
    expect(await peer.sendRequest('rpc.discover')).toEqual({ openrpc: '1.3.2', info: { title: 'bsonrpc service', version: '0.0.0' }, methods: [] });
  } finally {
    client.close();
    await server.close();
  }
});

test('the validator used here does refuse a bad document', () => {
  expect(validateOpenRpc({ openrpc: '1.3.2', info: { title: 'x' }, methods: [] })).toMatch(/version/);
});

test('a bad discover option is a TypeError naming it', () => {
  expect(() => pair('json', new Catalog(), undefined, { discover: 'yes' as never }, {})).toThrow(/option discover must be a boolean or an object/);
});
