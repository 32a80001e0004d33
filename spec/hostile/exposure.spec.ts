/**
 * Only decorated handlers are reachable, and only by their wire names;
 * named params cannot pollute prototypes; ids of the wrong type are
 * refused. Raw bytes on an in-memory duplex, against `JsonRpc` and
 * `BsonRpc` alike. After every row a fence request must be answered next,
 * which also proves the connection stayed open.
 */
import { BSON } from 'bson';
import { notification, request, serviceClass } from '../../lib';
import { logSink } from '../helpers/log-sink';
import type { PeerKind } from '../helpers/pair';
import { rawServer } from '../helpers/raw';

@serviceClass
class Exposed {
  /** Counts every way an undecorated member could have been reached. */
  touched = 0;
  secret = 'a property, not a handler';
  @request echo(x: unknown) {
    return x;
  }
  @request named(a: unknown, b?: unknown) {
    return [a, b ?? null];
  }
  @request('echo_times') echoTimes(txt: string, n: number) {
    return txt.repeat(n);
  }
  @notification note(_x?: unknown) {}
  @request ping() {
    return 'pong';
  }
  undecorated() {
    this.touched++;
    return 'leaked';
  }
  get trap(): () => string {
    this.touched++;
    return () => 'leaked';
  }
}

function serve(kind: PeerKind) {
  const logs = logSink('debug');
  const services = new Exposed();
  const { raw, peer } = rawServer(kind === 'json' ? 'rfc7464' : 'bson', services, { logger: logs.logger, connectionId: 'exp' });
  const vk = kind === 'json' ? 'jsonrpc' : 'bsonrpc';
  return {
    services,
    peer,
    logs,
    /** Sends a message given as JSON text: as it is, or as the same BSON document (JSON.parse keeps "__proto__" an own key). */
    send(text: string) {
      if (kind === 'json') raw.send(text);
      else raw.write(Buffer.from(BSON.serialize(JSON.parse(text.replace(/"jsonrpc"/, `"${vk}"`)))));
    },
    /** Sends a BSON document built by the caller (bson only). */
    sendBytes(bytes: Buffer) {
      raw.write(bytes);
    },
    async next(): Promise<any> {
      const frame = await raw.next(2000);
      const msg = kind === 'json' ? JSON.parse(String(frame)) : BSON.deserialize(frame);
      expect(msg[vk]).toBe('2.0');
      return msg;
    },
    async fence() {
      this.send('{"jsonrpc":"2.0","method":"ping","id":"fence"}');
      expect(await this.next()).toMatchObject({ result: 'pong', id: 'fence' });
      expect(await raw.quiet(10)).toEqual([]);
      expect(peer.isClosed).toBe(false);
    },
  };
}

const NOT_CALLABLE = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupGetter__',
  'undecorated',
  'trap',
  'secret',
  'touched',
  'echoTimes', // the JS name of a handler renamed to "echo_times"
  'note', // a notification handler, called as a request
  'ECHO',
  'echo ',
  '',
  'prototype',
];

const POLLUTING_PARAMS = [
  '{"__proto__":{"polluted":1},"a":1}',
  '{"a":1,"constructor":{"prototype":{"polluted":1}}}',
  '{"a":{"__proto__":{"polluted":1}},"prototype":{"polluted":1}}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"polluted":1}}',
];

function expectUnpolluted(services: Exposed): void {
  expect(({} as any).polluted).toBeUndefined();
  expect((Object.prototype as any).polluted).toBeUndefined();
  expect((services as any).polluted).toBeUndefined();
  expect(Object.getPrototypeOf(services)).toBe(Exposed.prototype);
  expect((Exposed.prototype as any).polluted).toBeUndefined();
  expect(services.touched).toBe(0);
}

for (const kind of ['json', 'bson'] as PeerKind[]) {
  describe(`${kind}: only decorated handlers, by wire name`, () => {
    test.each(NOT_CALLABLE)('request to %j is -32601 and reaches nothing', async (method) => {
      const s = serve(kind);
      s.send(JSON.stringify({ jsonrpc: '2.0', method, params: [], id: 1 }));
      expect(await s.next()).toMatchObject({ error: { code: -32601 }, id: 1 });
      s.send(JSON.stringify({ jsonrpc: '2.0', method, id: 2 }));
      expect(await s.next()).toMatchObject({ error: { code: -32601 }, id: 2 });
      // As a notification: dropped (and logged), nothing runs, nothing is answered.
      s.send(JSON.stringify({ jsonrpc: '2.0', method, params: [] }));
      await s.fence();
      expectUnpolluted(s.services);
      s.peer.close();
    });

    test('the wire name of a renamed handler works, its JS name does not', async () => {
      const s = serve(kind);
      s.send('{"jsonrpc":"2.0","method":"echo_times","params":["ab",2],"id":1}');
      expect(await s.next()).toMatchObject({ result: 'abab', id: 1 });
      s.peer.close();
    });
  });

  describe(`${kind}: named params cannot pollute`, () => {
    test.each(POLLUTING_PARAMS)('params %s', async (params) => {
      const s = serve(kind);
      s.send(`{"jsonrpc":"2.0","method":"named","params":${params},"id":1}`);
      const answer = await s.next();
      expect(answer.id).toBe(1);
      expect(answer.error?.code).toBe(-32602);
      s.send(`{"jsonrpc":"2.0","method":"echo","params":[${params}],"id":2}`);
      expect(await s.next()).toMatchObject({ id: 2 });
      s.send(`{"jsonrpc":"2.0","method":"__proto__","params":${params},"id":3}`);
      expect(await s.next()).toMatchObject({ error: { code: -32601 }, id: 3 });
      s.send(`{"jsonrpc":"2.0","method":"note","params":${params}}`);
      await s.fence();
      expectUnpolluted(s.services);
      s.peer.close();
    });

    test('a message whose own keys are "__proto__" / "constructor" / "prototype" is still just a message', async () => {
      const s = serve(kind);
      s.send('{"__proto__":{"method":"echo","id":9},"constructor":1,"prototype":2,"jsonrpc":"2.0","method":"ping","id":1}');
      expect(await s.next()).toMatchObject({ result: 'pong', id: 1 });
      s.send('{"jsonrpc":"2.0","__proto__":{"polluted":1}}');
      expect(await s.next()).toMatchObject({ error: { code: -32600 }, id: null });
      await s.fence();
      expectUnpolluted(s.services);
      s.peer.close();
    });
  });

  describe(`${kind}: ids of the wrong type`, () => {
    test.each(['{"a":1}', '[1]', '[]', '{}', '1.5', '-0.25', 'true', 'false', '1e400'])('id %s is -32600 with id null', async (id) => {
      const s = serve(kind);
      s.send(`{"jsonrpc":"2.0","method":"echo","params":[1],"id":${id}}`);
      expect(await s.next()).toMatchObject({ error: { code: -32600 }, id: null });
      await s.fence();
      s.peer.close();
    });
  });
}

describe('bson: ids of BSON-only types', () => {
  const cases: Array<[string, unknown]> = [
    ['a datetime', new Date(0)],
    ['binary', Buffer.from('id')],
    ['an ObjectId', new BSON.ObjectId('0123456789abcdef01234567')],
    ['an int64 beyond 2^53', BSON.Long.fromString('9007199254740993')],
    ['a regex', new BSON.BSONRegExp('a', '')],
    ['a Decimal128', BSON.Decimal128.fromString('1')],
    ['a MinKey', new BSON.MinKey()],
  ];
  test.each(cases)('an id that is %s is -32600 with id null', async (_name, id) => {
    const s = serve('bson');
    s.sendBytes(Buffer.from(BSON.serialize({ bsonrpc: '2.0', method: 'echo', params: [1], id })));
    expect(await s.next()).toMatchObject({ error: { code: -32600 }, id: null });
    await s.fence();
    s.peer.close();
  });

  test('BSON values of every exotic type in params reach only the handler, as values', async () => {
    const s = serve('bson');
    const params = [new BSON.Code('function(){}'), new BSON.Timestamp({ t: 1, i: 1 }), new BSON.MaxKey(), new BSON.DBRef('c', new BSON.ObjectId('0123456789abcdef01234567'))];
    s.sendBytes(Buffer.from(BSON.serialize({ bsonrpc: '2.0', method: 'echo', params: [params], id: 1 })));
    const answer = await s.next();
    expect(answer.id).toBe(1);
    expect(answer.result ?? answer.error).toBeDefined();
    await s.fence();
    expectUnpolluted(s.services);
    s.peer.close();
  });
});
