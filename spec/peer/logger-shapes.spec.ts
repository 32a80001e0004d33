/**
 * The `logger` option takes any object with pino-style level methods:
 * pino itself (spec/peer/logging.spec.ts), console, bunyan- and
 * winston-shaped loggers. Anything else fails when the peer is made.
 */
import { createDuplexPair, JsonRpc, RpcLogger } from '../../lib';

/** A logger that records (level, fields, message); `extra` adds or overrides members. */
function recorder(extra: Partial<RpcLogger> & Record<string, unknown> = {}) {
  const lines: [string, object, string | undefined][] = [];
  const at = (level: string) => (fields: object, message?: string) => void lines.push([level, fields, message]);
  const logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), ...extra };
  return { logger, lines };
}

/** Makes a server with `logger`, feeds it one unparsable frame (a `warn` line), and closes it. */
async function warnOnce(logger: unknown): Promise<void> {
  const [a, b] = createDuplexPair();
  const server = new JsonRpc(a, null, { logger: logger as RpcLogger, connectionId: 'c1' });
  b.write('\x1enot json\n');
  await new Promise((r) => setTimeout(r, 20));
  server.close();
  await server.join(1000);
}

test('console-shaped (no isLevelEnabled, no child, no level): warn is written with the connectionId, debug is not', async () => {
  const { logger, lines } = recorder();
  await warnOnce(logger);
  expect(lines.map(([level, fields, msg]) => [level, (fields as { connectionId?: string }).connectionId, msg])).toEqual([
    ['warn', 'c1', 'payload did not parse; answered -32700'],
  ]);
});

test('console itself is accepted and writes its warning to stderr', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    await warnOnce(console);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatchObject({ connectionId: 'c1' });
  } finally {
    warn.mockRestore();
  }
});

test('bunyan-shaped: level() is read as a number on pino scale, and child() is used', async () => {
  const { logger, lines } = recorder({ level: () => 20, trace: () => undefined });
  const child = jest.fn((bindings: Record<string, unknown>) => ({ ...logger, bound: bindings }));
  await warnOnce({ ...logger, child });
  expect(child).toHaveBeenCalledWith({ connectionId: 'c1' });
  expect(lines.map(([level]) => level)).toContain('warn');
});

test('a level name is honoured: at "error" the warning is not written', async () => {
  const { logger, lines } = recorder({ level: 'error' });
  await warnOnce(logger);
  expect(lines).toEqual([]);
});

test('isLevelEnabled, when present, decides (winston-shaped)', async () => {
  const { logger, lines } = recorder({ isLevelEnabled: (level: string) => level === 'error' });
  await warnOnce(logger);
  expect(lines).toEqual([]);
});

test.each([
  ['a string', 'debug', /got string/],
  ['a number', 42, /got number/],
  ['an object without level methods', { log: () => undefined }, /got an object without error, warn, info, debug/],
  ['an object missing one', { error() {}, warn() {}, info() {} }, /got an object without debug/],
])('%s is a TypeError when the peer is made', (_label, logger, message) => {
  expect(() => new JsonRpc(createDuplexPair()[0], null, { logger: logger as unknown as RpcLogger })).toThrow(TypeError);
  expect(() => new JsonRpc(createDuplexPair()[0], null, { logger: logger as unknown as RpcLogger })).toThrow(message);
});
