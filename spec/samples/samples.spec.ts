/**
 * Every sample runs here, so a sample that stops working (or hangs) fails
 * the build. Each sample's `main(log)` is called with a collecting log, and
 * its observable results are checked; the demo runs as `npm start` would.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { FramingError } from '../../lib';
import { main as broadcast } from '../../samples/broadcast';
import { main as calls } from '../../samples/calls';
import { main as chat } from '../../samples/chat';
import { main as demo } from '../../samples/demo';
import { main as discover } from '../../samples/discover';
import { main as errors } from '../../samples/errors';
import { main as fileMonitor } from '../../samples/file-monitor';
import { main as framings, printable, uint32Framing } from '../../samples/framings';
import { main as backend } from '../../samples/backend';
import { main as full } from '../../samples/full';
import { main as minimal } from '../../samples/minimal';
import { main as services } from '../../samples/services';
import { main as stdioWorker } from '../../samples/stdio-worker';
import { main as transports } from '../../samples/transports';
import { main as twoWay } from '../../samples/two-way';
import { main as urls } from '../../samples/urls';
import { main as validation } from '../../samples/validation';
import { main as vscodeInterop } from '../../samples/vscode-interop';
import { main as warehouse } from '../../samples/warehouse';
import { pieces } from '../helpers/chunks';
import { validateOpenRpc } from '../helpers/openrpc';

const root = path.resolve(__dirname, '../..');

function collector(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => void lines.push(line) };
}

test('minimal: the Python README quickstart swaps the string', async () => {
  const { lines, log } = collector();
  expect(await minimal(log)).toBe('!dlroW olleH');
  expect(lines).toEqual(['!dlroW olleH']);
});

test('two-way: the server asks its caller back before answering', async () => {
  const { lines, log } = collector();
  expect(await twoWay(log)).toBe('Hello, dear Bob!');
  expect(lines).toEqual(['Hello, Countess Ada!']);
});

test('full: progress twice, a callback, a batch and a notification', async () => {
  const { lines, log } = collector();
  const result = await full(log);
  expect(result.batch).toEqual(['-hello--hello-', '-world-']);
  expect(result.product).toBe(24);
  expect(result.progress).toEqual(['Stage 1', 'Stage 2']);
  expect(result.serverLog[0]).toMatch(/^server: longProcess called by 127\.0\.0\.1:\d+$/);
  expect(result.serverLog).toContain("server: client.swapper('TestinG') -> GnitseT");
  expect(result.serverLog[result.serverLog.length - 1]).toMatch(/the client at 127\.0\.0\.1:\d+ says goodbye$/);
  // Progress reaches the client before the request's answer.
  expect(lines.indexOf('Msg from server: Stage 2')).toBeLessThan(lines.indexOf('24'));
});

test('file-monitor: two changes pushed, none after unsubscribing', async () => {
  const { log } = collector();
  const result = await fileMonitor(log);
  expect(result.changes).toHaveLength(2);
  expect(result.changes.map((c) => c.path)).toEqual([result.file, result.file]);
  expect(result.changes.map((c) => c.size)).toEqual([23, 34]);
  for (const c of result.changes) expect(Number.isNaN(Date.parse(c.mtime))).toBe(false);
  expect(result.afterUnsubscribe).toBe(0);
  expect(result.stillWatched).toEqual([]);
});

test('chat: over ws://, the server pushes every line to every client as a notification', async () => {
  const { lines, log } = collector();
  const { screens, present } = await chat(log);
  const talk = ['Ada: hello, everyone', 'Grace: hi Ada', 'Alan: I must go'];
  const after = ['room: Alan left', 'Ada: bye Alan', 'Grace: that is all'];
  expect(screens.Ada).toEqual(['room: Ada joined', 'room: Grace joined', 'room: Alan joined', ...talk, ...after]);
  expect(screens.Grace).toEqual(['room: Grace joined', 'room: Alan joined', ...talk, ...after]);
  expect(screens.Alan).toEqual(['room: Alan joined', ...talk]);
  expect(present).toEqual(['Ada', 'Grace']);
  expect(lines[0]).toMatch(/^chat room at ws:\/\/127\.0\.0\.1:\d+\/chat$/);
});

test('broadcast: one notification reaches every live connection, and the count says how many', async () => {
  const { lines, log } = collector();
  const { reached, boards } = await broadcast(log);
  expect(reached).toEqual([3, 2]);
  expect(boards).toEqual({
    Ada: ['doors open at nine', 'Alan has left'],
    Grace: ['doors open at nine', 'Alan has left'],
    Alan: ['doors open at nine'],
  });
  expect(lines).toContain('announced to 3 clients');
});

test('warehouse: three clients share one Warehouse object', async () => {
  const { lines, log } = collector();
  const result = await warehouse(log);
  const final = ['chair', 'flashlight', 'couch', 'bowling ball', 'teddy bear', 'kite'];
  expect(result.seenBy).toEqual({ Chris: final, Henry: final, Sue: final });
  expect(result.serverLog).toEqual([
    'Chris stored the bowling ball.',
    'Chris took the laptop.',
    'Henry stored the guitar.',
    'Henry took the bike.',
    'Sue stored the teddy bear.',
    'Sue took the guitar.',
    'Sue stored the kite.',
  ]);
  expect(lines).toContain('Sue could not take the laptop: there is no laptop in the warehouse (InvalidParams -32602)');
});

test('services: decorators, wire names, named params, inheritance, reachability', async () => {
  const { log } = collector();
  expect(await services(log)).toEqual({
    'add(0.1, 0.2)': 0.3,
    'math.pow(2, 10)': 1024,
    'math.pow {base: 3}': 9,
    'math.pow {base: 3, exp: 2}': 'InvalidParams -32602',
    'math.pow()': 'InvalidParams -32602',
    'power(2)': 'MethodNotFound -32601',
    'slowDouble(21)': 42,
    'sqrt(16)': 4,
    'whoAmI()': 'the in-memory client',
    'helper()': 'MethodNotFound -32601',
    'toString()': 'MethodNotFound -32601',
    'log("x") as a request': 'MethodNotFound -32601',
    'distance {origin, point}': 5,
    'notifications seen by the server': ['hello'],
    'closed by the server': true,
  });
});

test('calls: proxies, timeouts, signals, batches, close/join, dispatch modes', async () => {
  const { log } = collector();
  expect(await calls(log)).toEqual({
    'untyped proxy add': 3,
    'typed proxy sleep': 1,
    'listed proxy add': 5,
    'sleep(5), 1000 ms timeout': 5,
    'sleep(200), 20 ms timeout': 'ResponseTimeout',
    'sleep(200), aborted': 'Error: the user pressed cancel',
    'batch, callback form': [2, 4],
    'batch, builder form': [6, 'MethodNotFound'],
    'batch of notifications': null,
    'pending call at close': 'ConnectionClosedError',
    'call after close': 'ConnectionClosedError',
    'server joined': true,
    'notifications the server saw': ['sent as a notification', 'a notification, by the list', 'in the batch', 'built', 'only a notification'],
    'goodbye()': 'bye',
    'closed after goodbye': true,
    'concurrent=true finished': [5, 60],
    'concurrent=false finished': [60, 5],
  });
});

test('errors: each failure reaches the caller as its class, code and data', async () => {
  const { log } = collector();
  const caught = await errors(log);
  expect(caught.map((c) => [c.call, c.class, c.code])).toEqual([
    ['withdraw(-5)', 'InvalidParams', -32602],
    ['withdraw(500)', 'UnspecifiedPeerError', -32010],
    ['crash()', 'ServerError', -32000],
    ['deposit(5)', 'MethodNotFound', -32601],
    ['withdraw(1, 2)', 'InvalidParams', -32602],
    ['wait(50), timeout 10', 'ResponseTimeout', undefined],
    ['withdraw(10n)', 'EncodingError', undefined],
    ['withdraw(1) after close', 'ConnectionClosedError', undefined],
    ['garbage on the wire', 'FramingError', undefined],
  ]);
  expect(caught[0]).toMatchObject({ message: 'amount must be positive', data: { amount: -5 } });
  expect(caught[1]).toMatchObject({ message: 'insufficient funds', data: { balance: 100 } });
  // A plain throw: the generic message, the error's own message as data, no stack.
  expect(caught[2]).toMatchObject({ message: 'Server error', data: 'undefined is not a function' });
  expect(caught[8].message).toMatch(/^unreadable input from the peer: netstring: /);
});

test('framings: the bytes of each built-in framing, and a custom one', async () => {
  const { log } = collector();
  const { bytes, shouted } = await framings(log);
  const json = '{"jsonrpc":"2.0","method":"hello","params":["world"]}';
  expect(bytes).toMatchObject({
    rfc7464: `\\x1e${json}\\x0a`,
    netstring: `${json.length}:${json},`,
    frameless: json,
    ndjson: `${json}\\x0a`,
    'content-length': `Content-Length: ${json.length}\\x0d\\x0a\\x0d\\x0a${json}`,
  });
  expect(bytes.bson).toMatch(/^B\\x00\\x00\\x00\\x02bsonrpc\\x00/);
  expect(shouted).toBe('FRAMED BY HAND');
  expect(printable(Buffer.from([0x1e, 0x41]))).toBe('\\x1eA');
});

test('framings: the custom framing survives every chunk boundary', () => {
  const payloads = ['{"a":1}', '', '{"b":"' + 'x'.repeat(300) + '"}', '[1,2]'];
  const wire = Buffer.concat(payloads.map((p) => uint32Framing.encode(p)));
  for (let cut = 0; cut <= wire.length; cut++) {
    for (const step of [1, 3, wire.length]) {
      const decoder = uint32Framing.createDecoder({ maxMessageSize: 1024 });
      const out: string[] = [];
      const chunks = [wire.subarray(0, cut), ...pieces(wire.subarray(cut), step)];
      for (const chunk of chunks) decoder.push(chunk, (payload) => out.push(payload.toString('utf8')));
      expect(out).toEqual(payloads);
      expect(decoder.bufferedBytes).toBe(0);
    }
  }
  const small = uint32Framing.createDecoder({ maxMessageSize: 10 });
  expect(() => small.push(Buffer.from([0, 0, 0, 11]), () => undefined)).toThrow(FramingError);
});

test('vscode-interop: vscode-jsonrpc calls us, we call it back', async () => {
  const { log } = collector();
  expect(await vscodeInterop(log)).toEqual({ answer: 'Ada is a language', progress: ['described Ada'] });
});

test('transports: unix socket, child stdio and in-memory pair', async () => {
  const { log } = collector();
  const answers = await transports(log);
  expect(answers).toHaveLength(3);
  expect(answers[0]).toMatch(new RegExp(`^over a unix socket \\(from pid ${process.pid}\\)$`));
  expect(answers[1]).toMatch(/^over stdio \(from pid \d+\)$/);
  expect(answers[1]).not.toContain(`pid ${process.pid})`);
  expect(answers[2]).toBe(`in memory (from pid ${process.pid})`);
}, 30_000);

test('stdio-worker: the parent drives a worker child over its stdio; the worker reports progress and exits', async () => {
  const { lines, log } = collector();
  const r = await stdioWorker(log);
  expect(r.who).toMatch(/^worker pid \d+$/);
  expect(r.who).not.toBe(`worker pid ${process.pid}`);
  expect(r.sum).toBe(30);
  expect(r.progress).toEqual(['1/4', '2/4', '3/4', '4/4']);
  expect(r.exitCode).toBe(0);
  expect(lines).toContain('worker exited with code 0');
}, 30_000);

test('backend: served with listen, reached with connect, a callback mid-request, a graceful close', async () => {
  const { lines, log } = collector();
  expect(await backend(log)).toEqual({ who: 'b1', shouted: 'b1: HELLO', clean: true });
  expect(lines[0]).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+ answered b1; shoutBack -> b1: HELLO$/);
});

test('urls: tcp, bson, unix and tls (mTLS) by URL, and a refused connect', async () => {
  const { log } = collector();
  const { answers, refused } = await urls(log);
  expect(answers).toEqual([
    expect.stringMatching(/^hello tcp, from tcp:\/\/127\.0\.0\.1:\d+ \(c1, caller: 127\.0\.0\.1\)$/),
    expect.stringMatching(/^hello bson, from tcp:\/\/127\.0\.0\.1:\d+\?protocol=bson \(c1, caller: 127\.0\.0\.1\) \[BsonRpc\]$/),
    expect.stringMatching(/^hello unix, from unix:\/\/\/.+\/greeter\.sock\?framing=ndjson \(c1, caller: a local process\)$/),
    expect.stringMatching(/^hello tls, from tls:\/\/127\.0\.0\.1:\d+ \(c1, caller: alice\)$/),
  ]);
  expect(refused).toMatch(/^ENOENT: cannot connect to unix:\/\/\/.+\/nobody-listens\.sock: /);
}, 30_000);

test('demo: main() tells the whole story', async () => {
  const { lines, log } = collector();
  await demo(log);
  const out = lines.join('\n');
  expect(out).toContain("alice → swapper('Hello World!')          ⇒ '!dlroW olleH'");
  expect(out).toContain('alice ⇐ 24');
});

test('demo: `npm start` (ts-node samples/demo.ts) exits 0 and prints each step', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [require.resolve('ts-node/dist/bin.js'), 'samples/demo.ts'],
      { cwd: root, env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', BSONRPC_LOG_LEVEL: 'warn' }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  for (const line of [
    "alice → swapper('Hello World!')          ⇒ '!dlroW olleH'",
    'alice → math.add {a: 2, b: 40}           ⇒ 42',
    "server → alice: reportProgress('Stage 1')",
    "alice answers the server's swapper('TestinG')",
    'alice ⇐ 24',
    "alice ⇐ ['ba', 5, InvalidParams(-32602: cannot divide by zero)]",
    "server got a note from alice: 'sent in a batch'",
    'caught InvalidParams (code -32602): cannot divide by zero',
    'caught MethodNotFound (code -32601): Method not found',
    '(a Buffer: true)',
    'sentAt: 2024-01-02T03:04:05.000Z (a Date: true), receivedAt is a Date: true',
    'alice got news: bob says: hi all',
    'bob got news: bob says: hi all',
    'bob ⇐ 2 clients told',
    'clients joined: true, server connections left: 0',
  ]) {
    expect(stdout).toContain(line);
  }
  expect(stdout).toMatch(/Done in \d+ ms\./);
}, 40_000);

test('validation: declared types and zod validators answer -32602 naming the parameter', async () => {
  const { lines, log } = collector();
  const results = await validation(log);
  expect(results).toEqual({
    'price ["B-1",2]': 5,
    'price [3,2]': { code: -32602, data: { method: 'price', param: 'sku', expected: 'string', got: 'number', message: '"sku" must be string, got number' } },
    'register {"email":"ada@example.org","age":36}': { id: 'user:ada@example.org:36' },
    'register ["ada@example.org",12]': { code: -32602, data: expect.objectContaining({ param: 'age', issues: [{ message: expect.any(String) }] }) },
    'register ["not-an-email",40]': { code: -32602, data: expect.objectContaining({ param: 'email', issues: [{ message: expect.any(String) }] }) },
    'daysSince ["2026-11-20"]': 10,
    'tag ["news"]': '#news',
    'tag ["News!"]': { code: -32602, data: expect.objectContaining({ param: 'name' }) },
  });
  expect(lines).toHaveLength(8);
});

test('discover: rpc.discover answers a valid OpenRPC document of the Calculator', async () => {
  const { lines, log } = collector();
  const doc = await discover(log);
  expect(validateOpenRpc(doc)).toBe('valid');
  expect(doc.info).toEqual({ title: 'Calculator', version: '1.0.0' });
  expect(doc.methods[0]).toMatchObject({ name: 'add', summary: 'Adds two numbers', errors: [{ code: -32010, message: 'overflow' }], result: { schema: { type: 'number' } } });
  expect(doc.methods[1].params[1]).toEqual({ name: 'd', required: true, schema: expect.objectContaining({ type: 'integer', minimum: 1 }) });
  expect(doc.methods[2]).toEqual({ name: 'log', deprecated: true, paramStructure: 'either', params: [{ name: 'message', required: true, schema: { type: 'string' } }] });
  expect(lines).toEqual(['add(a, b)', 'div(n, d)', 'log(message) [notification]']);
});

test('warehouse across three processes (`npm run sample:warehouse`): Janet and Henry find it by name, and `bsonrpc call` by name too', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile('npm', ['run', '--silent', 'sample:warehouse'], { cwd: root, env: { ...process.env, BSONRPC_LOG_LEVEL: 'warn' }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  const lines = stdout.split('\n');
  const of = (label: string) => lines.filter((l) => l.startsWith(`[${label}] `)).map((l) => l.slice(label.length + 3));
  expect(of('visitor')).toEqual([
    'This is Janet.',
    "The warehouse contains: ['chair', 'bike', 'flashlight', 'laptop', 'couch']",
    'Janet would like to deposit something.',
    'Type a thing you want to store (or empty): television',
    'Janet would like to retrieve something.',
    'Type something you want to take (or empty): couch',
    'Thank you, come again!',
    'This is Henry.',
    "The warehouse contains: ['chair', 'bike', 'flashlight', 'laptop', 'television']",
    'Henry would like to deposit something.',
    'Type a thing you want to store (or empty): bicycle',
    'Henry would like to retrieve something.',
    'Type something you want to take (or empty): television',
    'Thank you, come again!',
  ]);
  expect(of('warehouse')).toEqual([
    expect.stringMatching(/^Warehouse ready at tcp:\/\/127\.0\.0\.1:\d+, registered as example\.warehouse$/),
    'Janet stored the television.',
    'Janet took the couch.',
    'Henry stored the bicycle.',
    'Henry took the television.',
  ]);
  expect(stdout).toMatch(/^\$ bsonrpc call ns:\/\/127\.0\.0\.1:\d+\/example\.warehouse list$/m);
  expect(of('bsonrpc call')).toEqual(['["chair","bike","flashlight","laptop","bicycle"]']);
}, 150_000);
