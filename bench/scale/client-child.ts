/**
 * A client process of a scale row: holds its share of the C connections
 * (scale/run.ts spreads C over BENCH_SCALE_PROCS of these) and, on request,
 * drives `fanin` (every connection calls `echo` sequentially for a fixed
 * time) or counts a `fanout` (every connection records the delay of each
 * `tick(stamp)` the server sends). Latencies go into one HDR histogram per
 * run, sent encoded to the parent, which merges those of all processes.
 */
import * as path from 'path';
import { answerParent, exitOnUnhandledRejection } from '../child-ipc';
import type { Adapter, BenchClient } from '../types';
import { encode, newHistogram } from './hist';
import type { ClientRequest, FaninResult, FanoutResult } from './types';

const SMALL = 'hello, bench!';
/** Connections opened at once while connecting, so the server's accept backlog never overflows. */
const CONNECT_CONCURRENCY = 50;

let clients: BenchClient[] = [];
let fanout = newHistogram();
let received = 0;
let last = 0;
/** Per message (by its stamp): when its latest receipt in this process was. */
let lastBy = new Map<number, number>();

const stamp = (): number => performance.timeOrigin + performance.now();

function onTick(sent: number): void {
  const t = stamp();
  received++;
  last = t;
  lastBy.set(sent, t);
  fanout.recordValue(Math.max(1, Math.round((t - sent) * 1000)));
}

function load(module: string): Adapter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, '..', 'adapters', module)) as { adapter: Adapter }).adapter;
}

async function connectAll(msg: Extract<ClientRequest, { op: 'connect' }>): Promise<void> {
  const adapter = load(msg.module);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < msg.count) {
      next++;
      clients.push(await adapter.connect(msg.port, msg.variant, msg.ticks ? onTick : undefined));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, msg.count) }, lane));
}

async function fanin(seconds: number, maxCalls: number): Promise<FaninResult> {
  const hist = newHistogram();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  // Calls that complete after the deadline (the tail, while connections
  // finish their last call) are checked and recorded, but not counted in
  // the rate: it is calls completed within the fixed time ÷ that time.
  let calls = 0;
  let completed = 0;
  const lane = async (c: BenchClient): Promise<void> => {
    for (let n = 0; n < maxCalls; n++) {
      const t = performance.now();
      if (t >= deadline) return;
      const got = await c.call(SMALL);
      if (got !== SMALL) throw new Error(`echo mismatch: got ${String(got)}`);
      const end = performance.now();
      hist.recordValue(Math.max(1, Math.round((end - t) * 1000)));
      completed++;
      if (end <= deadline) calls++;
    }
  };
  await Promise.all(clients.map(lane));
  const cpu = process.cpuUsage(cpu0);
  const out = { calls, completed, seconds, cpuUs: cpu.user + cpu.system, hist: encode(hist) };
  hist.destroy();
  return out;
}

async function awaitTicks(messages: number, timeoutMs: number): Promise<FanoutResult> {
  const want = messages * clients.length;
  const t0 = performance.now();
  while (received < want) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`fanout: ${received} of ${want} deliveries after ${timeoutMs} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
  if (received > want) throw new Error(`fanout: ${received} deliveries, expected ${want}`);
  return { deliveries: received, last, lastBy: [...lastBy], hist: encode(fanout) };
}

async function handle(msg: ClientRequest | { op: 'exit' }): Promise<unknown> {
  switch (msg.op) {
    case 'connect':
      return connectAll(msg);
    case 'fanin':
      return fanin(msg.seconds, msg.maxCalls);
    case 'arm':
      fanout.destroy();
      fanout = newHistogram();
      received = 0;
      last = 0;
      lastBy = new Map();
      return null;
    case 'await':
      return awaitTicks(msg.messages, msg.timeoutMs);
    case 'exit': {
      const all = clients;
      clients = [];
      await Promise.all(all.map((c) => c.close()));
      setImmediate(() => process.exit(0));
      return null;
    }
  }
}

answerParent<ClientRequest & { id: number }>(handle);
exitOnUnhandledRejection('bench scale client');
