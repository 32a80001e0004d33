/**
 * Against a live Python bsonrpc 0.2.1 `JSONRpc` (the unmodified source in
 * spec/fixtures/pybsonrpc/src, run by python3; its one dependency, `six`, is
 * replaced by a six-line shim there, so no pip package is needed): what the
 * wire additions of cancellation and deadlines do to a peer that knows
 * neither.
 *
 * - A request that carries our `"timeout"` budget member (`sendDeadline`) is
 *   accepted and answered as any other: Python's `is_request` reads only the
 *   members it knows.
 * - Our `$/cancelRequest` is logged by Python as an unrecognized
 *   notification and dropped; its handler runs to the end, our caller was
 *   freed at its timeout, the late answer is dropped, and the connection
 *   goes on working.
 *
 * BSONRpc shares the same message classifier (`Definitions.is_request`), but
 * needs pymongo's bson package, which no machine here has (no PyPI): the
 * BSON side is covered by the recorded fixtures instead.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { connect, ResponseTimeout } from '../../lib';
import { logSink } from '../helpers/log-sink';
import { closeAndJoin, until } from '../helpers/wait';

const PYTHON = process.env.BSONRPC_PYTHON ?? 'python3';
const hasPython = spawnSync(PYTHON, ['-c', 'import sys; assert sys.version_info >= (3, 6)']).status === 0;
if (!hasPython) process.stderr.write(`pybsonrpc-live: skipped, no ${PYTHON} >= 3.6 on this machine\n`);
const maybe = hasPython ? describe : describe.skip;

interface PyServer {
  port: number;
  lines: string[];
  child: ChildProcess;
}

/** Starts live_server.py (-S: without site-packages, so every machine runs the same code) and reads its port. */
function startPython(): Promise<PyServer> {
  const child = spawn(PYTHON, ['-S', path.join(__dirname, '../fixtures/pybsonrpc/live_server.py')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buffered = '';
  child.stderr!.on('data', (d: Buffer) => lines.push(`stderr ${d.toString()}`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`python did not start: ${lines.join(' | ')}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`python exited with ${code}: ${lines.join(' | ')}`)));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const line of parts) {
        if (lines.length === 0 && /^\d+$/.test(line)) {
          clearTimeout(timer);
          resolve({ port: Number(line), lines, child });
        }
        lines.push(line);
      }
    });
  });
}

maybe('live Python bsonrpc 0.2.1 JSONRpc (rfc7464)', () => {
  let py: PyServer;
  beforeEach(async () => {
    py = await startPython();
  });
  afterEach(() => {
    if (py.child.exitCode === null) py.child.kill('SIGKILL');
  });

  test('answers a request that carries the "timeout" budget member, and sees the member', async () => {
    const client = await connect(`tcp://127.0.0.1:${py.port}`, null, { framing: 'rfc7464', sendDeadline: true, logger: logSink().logger });
    await expect(client.sendRequest('add', [2, 3], { timeout: 5000 })).resolves.toBe(5);
    await expect(client.sendRequest('add', { a: 'x', b: 'y' }, { timeout: 5000 })).resolves.toBe('xy');
    // Python logs every request it received: the budget member was on the wire and did not bother it.
    const received = py.lines.filter((l) => l.startsWith('log Received request'));
    expect(received).toHaveLength(2);
    for (const line of received) expect(line).toMatch(/'timeout': 5000/);
    await closeAndJoin(client);
  });

  test('logs and drops our $/cancelRequest; its handler runs on; the late answer is dropped; calls go on', async () => {
    const logs = logSink();
    const client = await connect(`tcp://127.0.0.1:${py.port}`, null, { framing: 'rfc7464', sendDeadline: true, logger: logs.logger });
    await expect(client.sendRequest('slow', [0.3], { timeout: 50 })).rejects.toBeInstanceOf(ResponseTimeout);
    await until(() => py.lines.some((l) => l.includes('Unrecognized notification from peer') && l.includes('$/cancelRequest')), 'python to log the cancel', 5000);
    // Python's handler was not stopped: it answers 'late' after 300 ms, which we drop without a warning.
    await new Promise((r) => setTimeout(r, 400));
    await expect(client.sendRequest('add', [40, 2], { timeout: 5000 })).resolves.toBe(42);
    expect(logs.warnings()).toEqual([]);
    expect(client.stats()).toEqual({ pendingRequests: 0, runningHandlers: 0 });
    await closeAndJoin(client);
  });
});
