/**
 * Logging costs nothing until a line is written: pino is not loaded, and a
 * connection's child logger is not made, while every line's level is off.
 * And once lines are written they still carry the connectionId.
 */
import { JsonRpc, request, serviceClass, createDuplexPair } from '../../lib';
import { logSink } from '../helpers/log-sink';

@serviceClass
class Echo {
  @request echo(x: unknown) {
    return x;
  }
}

describe('logging', () => {
  test('pino is not loaded by calls at the default level, only on first use of a logger', async () => {
    let loads = 0;
    let lib!: typeof import('../../lib');
    jest.isolateModules(() => {
      jest.doMock('pino', () => {
        loads++;
        return jest.requireActual('pino');
      });
      lib = require('../../lib');
    });
    try {
      const [s1, s2] = lib.createDuplexPair();
      const server = new lib.JsonRpc(s1, new Echo());
      const client = new lib.JsonRpc(s2, null);
      expect(await client.invokeRequest('echo', 'hi')).toBe('hi');
      await client.invokeRequest('missing').catch(() => undefined); // -32601, logged at debug
      client.close();
      await server.join(1000);
      expect(loads).toBe(0);
      // Asking for the logger makes it (and so loads pino), with the connection's bindings.
      expect((server.logger as import('pino').Logger).bindings()).toEqual({ name: 'bsonrpc', connectionId: '' });
      expect(loads).toBe(1);
    } finally {
      jest.dontMock('pino');
    }
  });

  test('a given logger gets a child only when a line at an enabled level is written', async () => {
    const logs = logSink('warn');
    const child = jest.spyOn(logs.logger, 'child');
    const [s1, s2] = createDuplexPair();
    const server = new JsonRpc(s1, new Echo(), { logger: logs.logger, connectionId: 'srv' });
    const client = new JsonRpc(s2, null, { logger: logs.logger, connectionId: 'cli' });
    expect(await client.invokeRequest('echo', 1)).toBe(1);
    await client.invokeRequest('missing').catch(() => undefined); // debug: off at warn
    expect(child).not.toHaveBeenCalled();
    s2.write('\x1enot json\n'); // warn on the server: "payload did not parse"
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(child).toHaveBeenCalledTimes(1);
    expect(logs.warnings().map((l) => [l.connectionId, l.msg])).toEqual([['srv', 'payload did not parse; answered -32700']]);
    client.close();
    await server.join(1000);
  });

  test('raising the child logger level is honoured by the peer', async () => {
    const logs = logSink('warn');
    const [s1, s2] = createDuplexPair();
    const server = new JsonRpc(s1, new Echo(), { logger: logs.logger, connectionId: 'srv' });
    const client = new JsonRpc(s2, null, { logger: logs.logger });
    server.logger.level = 'debug';
    await client.invokeRequest('missing').catch(() => undefined);
    expect(logs.lines.some((l) => l.connectionId === 'srv' && l.msg === 'method not found')).toBe(true);
    client.close();
    await server.join(1000);
  });
});
