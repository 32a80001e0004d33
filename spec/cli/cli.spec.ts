/**
 * The `bsonrpc` command, spawned as a user runs it (bin/bsonrpc.js, which
 * runs lib/cli through ts-node in a checkout): a name server, `serve` of
 * the warehouse sample registering by name, `call` and `ns list|lookup|ping`
 * against them, the exit codes 0/1/2/3, and a server killed with SIGKILL.
 */
import { ChildProcess, execFile } from 'node:child_process';
import * as net from 'node:net';
import { run } from '../../lib/cli/main';
import { bin, cliEnv, Daemon, root, startDaemon } from '../helpers/cli';
import { validateOpenRpc } from '../helpers/openrpc';


interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bsonrpc ...args` to its end (30 s at most). */
export function bsonrpc(args: string[], extraEnv: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: root, env: { ...cliEnv, ...extraEnv }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

/** Runs the command in this process (the same code, without a process start): for the cases that need no exit code of a real process. */
async function inProcess(args: string[], extraEnv: Record<string, string> = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), env: { ...extraEnv } });
  return { code, stdout, stderr };
}

const daemon = (args: string[], ready: RegExp): Promise<Daemon> => startDaemon(children, args, ready);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const children: ChildProcess[] = [];
let nsUrl = '';
let warehouse: Daemon;
let byName = '';

beforeAll(async () => {
  const ns = await daemon(['ns', '--listen', 'tcp://127.0.0.1:0'], /name server on (tcp:\/\/\S+)/);
  nsUrl = ns.match[1];
  warehouse = await daemon(
    ['serve', 'samples/warehouse-server.ts:Warehouse', '--listen', 'tcp://127.0.0.1:0', '--register', 'example.warehouse', '--ns', nsUrl],
    /serving Warehouse on (tcp:\/\/\S+)\n/,
  );
  byName = `${nsUrl.replace(/^tcp:/, 'ns:')}/example.warehouse`;
}, 60_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
});

test('call by name: the result as JSON on stdout, exit 0; the server logs the connection', async () => {
  const r = await bsonrpc(['call', byName, 'list']);
  expect(r).toEqual({ code: 0, stdout: '["chair","bike","flashlight","laptop","couch"]\n', stderr: '' });
  const stored = await inProcess(['call', byName, 'store', 'Ann', 'kite']); // ARGs that are not JSON are strings
  expect(stored).toEqual({ code: 0, stdout: 'null\n', stderr: '' });
  const named = await inProcess(['call', warehouse.match[1], 'take', '--named', '{"name":"Ann","item":"kite"}']);
  expect(named.code).toBe(0);
  expect(warehouse.stderr()).toMatch(/connection c\d+ from 127\.0\.0\.1:\d+/);
}, 60_000);

test('serve --discover: `bsonrpc call URL rpc.discover` prints a valid OpenRPC document of the served class', async () => {
  const server = await daemon(['serve', 'samples/warehouse-server.ts:Warehouse', '--listen', 'tcp://127.0.0.1:0', '--discover'], /serving Warehouse on (tcp:\/\/\S+)/);
  const ran = await bsonrpc(['call', server.match[1], 'rpc.discover']);
  expect(ran).toMatchObject({ code: 0 });
  const doc = JSON.parse(ran.stdout);
  expect(doc.info.title).toBe('Warehouse');
  expect(doc.methods.map((m: { name: string }) => m.name).sort()).toEqual(['list', 'store', 'take']);
  expect(validateOpenRpc(doc)).toBe('valid');
  server.child.kill('SIGTERM');
});

test('a method that does not exist: exit 1, "error -32601: Method not found"', async () => {
  const r = await bsonrpc(['call', byName, 'nosuch']);
  expect(r).toEqual({ code: 1, stdout: '', stderr: 'error -32601: Method not found\n' });
  const bad = await inProcess(['call', byName, 'take', 'Ann', 'unicorn']);
  expect(bad).toEqual({ code: 1, stdout: '', stderr: 'error -32602: there is no unicorn in the warehouse\n' });
}, 60_000);

test('bad JSON in --named: exit 2, naming the argument', async () => {
  const r = await bsonrpc(['call', byName, 'list', '--named', '{oops']);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^bsonrpc: --named: not valid JSON .*: \{oops\n$/);
  const usage = await inProcess(['call', byName]); // METHOD missing
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("missing required argument 'method'");
}, 60_000);

test('ns list, --json, lookup and ping', async () => {
  const [list, json, lookup, ping] = await Promise.all([
    bsonrpc(['ns', 'list', '--ns', nsUrl]),
    inProcess(['ns', 'list', 'example.', '--json'], { BSONRPC_NS: nsUrl }),
    inProcess(['ns', 'lookup', 'example.warehouse', '--ns', nsUrl]),
    inProcess(['ns', 'ping', '--ns', nsUrl]),
  ]);
  expect(list).toEqual({ code: 0, stdout: `example.warehouse  ${warehouse.match[1]}\n`, stderr: '' });
  expect(JSON.parse(json.stdout)).toEqual([{ name: 'example.warehouse', url: warehouse.match[1], metadata: {} }]);
  expect(lookup).toEqual({ code: 0, stdout: `${warehouse.match[1]}\n`, stderr: '' });
  expect(ping).toEqual({ code: 0, stdout: 'pong\n', stderr: '' });
}, 60_000);

test('a name server that is down: exit 3, naming its URL', async () => {
  const port = await freePort();
  const [ping, call] = await Promise.all([
    bsonrpc(['ns', 'ping', '--ns', `tcp://127.0.0.1:${port}`]),
    inProcess(['call', `ns://127.0.0.1:${port}/example.warehouse`, 'list', '--timeout', '3000']),
  ]);
  expect(ping.code).toBe(3);
  expect(ping.stderr).toContain(`name server tcp://127.0.0.1:${port}`);
  expect(call.code).toBe(3);
  expect(call.stderr).toContain(`name server tcp://127.0.0.1:${port}`);
}, 60_000);

test('--help on every command, each with an example', async () => {
  const runs = await Promise.all([['call'], ['serve'], ['ns'], ['ns', 'list'], ['ns', 'lookup'], ['ns', 'ping']].map((c) => inProcess([...c, '--help'])));
  runs.push(await bsonrpc(['--help']));
  for (const r of runs) {
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Example:\n {2}\$ bsonrpc /);
  }
  expect(await inProcess([])).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: bsonrpc') });
}, 60_000);

test('a server killed with SIGKILL disappears from ns list; a lookup then exits 1 with -32004', async () => {
  warehouse.child.kill('SIGKILL');
  await new Promise((r) => warehouse.child.once('exit', r));
  let list = await inProcess(['ns', 'list', '--ns', nsUrl]);
  for (let i = 0; i < 100 && list.stdout !== ''; i++) {
    await new Promise((r) => setTimeout(r, 20));
    list = await inProcess(['ns', 'list', '--ns', nsUrl]);
  }
  expect(list).toEqual({ code: 0, stdout: '', stderr: '' });
  const lookup = await bsonrpc(['ns', 'lookup', 'example.warehouse', '--ns', nsUrl]);
  expect(lookup).toEqual({ code: 1, stdout: '', stderr: 'error -32004: unknown name example.warehouse\n' });
  const call = await inProcess(['call', byName, 'list']);
  expect(call.code).toBe(3);
  expect(call.stderr).toContain('knows no "example.warehouse"');
}, 90_000);

describe('call options, in process against a server of this test', () => {
  // Loaded here so the spawned tests above do not pay for it.
  const lib = require('../../lib') as typeof import('../../lib');
  const { listen, notification, request, serviceClass } = lib;
  const seen: string[] = [];

  @serviceClass
  class Slow {
    @request async wait(ms: number): Promise<number> {
      await new Promise((r) => setTimeout(r, ms));
      return ms;
    }
    @request echo(...args: unknown[]): unknown[] {
      return args;
    }
    @request big(): bigint {
      return 2n ** 40n;
    }
    @notification note(text: string): void {
      seen.push(text);
    }
  }

  test('--timeout: a slow answer exits 3; ARGs are JSON or strings; --notify prints nothing', async () => {
    const server = await listen('tcp://127.0.0.1:0', () => new Slow());
    try {
      const slow = await inProcess(['call', server.url, 'wait', '2000', '--timeout', '200']);
      expect(slow.code).toBe(3);
      expect(slow.stderr).toMatch(/^bsonrpc: .*timed out/);
      expect(await inProcess(['call', server.url, 'echo', '1', 'two', '[3]', '{"four":4}', 'null', '"6"'])).toEqual({
        code: 0,
        stdout: '[1,"two",[3],{"four":4},null,"6"]\n',
        stderr: '',
      });
      expect(await inProcess(['call', server.url, 'note', 'hello', '--notify'])).toEqual({ code: 0, stdout: '', stderr: '' });
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual(['hello']);
      expect((await inProcess(['call', server.url, 'echo', '--timeout', 'soon'])).code).toBe(2);
      expect((await inProcess(['call', server.url, 'echo', '1', '--named', '{}'])).code).toBe(2);
      expect((await inProcess(['call', server.url, 'echo', '--named', '[1]'])).stderr).toContain('--named: must be a JSON object');
      expect(await inProcess(['call', server.url, 'wait', '5', '--framing', 'bogus'])).toMatchObject({ code: 2 });
    } finally {
      await server.close();
    }
  });

  test('call URL rpc.discover prints the OpenRPC document of a server listening with discover: true', async () => {
    const server = await listen('tcp://127.0.0.1:0', () => new Slow(), { discover: { title: 'Slow', version: '1.0.0' } });
    const plain = await listen('tcp://127.0.0.1:0', () => new Slow());
    try {
      const ran = await inProcess(['call', server.url, 'rpc.discover']);
      expect(ran).toMatchObject({ code: 0, stderr: '' });
      const doc = JSON.parse(ran.stdout);
      expect(doc).toMatchObject({ openrpc: '1.3.2', info: { title: 'Slow', version: '1.0.0' } });
      expect(doc.methods.map((m: { name: string }) => m.name).sort()).toEqual(['big', 'echo', 'note', 'wait']);
      expect(validateOpenRpc(doc)).toBe('valid');
      // Without the option the name is not served: -32601, exit 1.
      expect(await inProcess(['call', plain.url, 'rpc.discover'])).toMatchObject({ code: 1, stderr: expect.stringContaining('-32601') });
    } finally {
      await server.close();
      await plain.close();
    }
  });

  test('--framing and ?protocol=bson reach servers that use them', async () => {
    const nd = await listen('tcp://127.0.0.1:0?framing=ndjson', () => new Slow());
    const bson = await listen('tcp://127.0.0.1:0?protocol=bson', () => new Slow());
    try {
      const url = nd.url.replace(/\?.*$/, '');
      expect(await inProcess(['call', url, 'wait', '1', '--framing', 'ndjson'])).toEqual({ code: 0, stdout: '1\n', stderr: '' });
      expect(await inProcess(['call', bson.url, 'big'])).toEqual({ code: 0, stdout: '1099511627776\n', stderr: '' });
    } finally {
      await nd.close();
      await bson.close();
    }
  });

  test('serve: a file that does not exist, or without one service class, is a usage error', async () => {
    expect(await inProcess(['serve', 'samples/nope.ts', '--listen', 'tcp://127.0.0.1:0'])).toMatchObject({ code: 2, stderr: expect.stringContaining('no such file') });
    expect(await inProcess(['serve', 'samples/warehouse-server.ts:Nope', '--listen', 'tcp://127.0.0.1:0'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('has no export "Nope"'),
    });
    expect((await inProcess(['serve', 'samples/warehouse-server.ts'])).code).toBe(2); // --listen missing
  });
});
