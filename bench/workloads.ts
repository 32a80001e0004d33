/**
 * The workload drivers, run in the client child against one adapter. Each
 * is bounded in time (the spec's budget) and in count (`maxCalls`), and each
 * checks what comes back so a broken adapter fails instead of looking fast.
 */
import type { Adapter, BenchClient, RunResult, RunSpec } from './types';

/** The small string `seq`, `pipe` and `conn` echo. */
const SMALL = 'hello, bench!';

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Compared in place: Buffer.from() would copy both, 2 MiB per checked `big` call inside the timed window.
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  return false;
}

function check(got: unknown, want: unknown): void {
  if (!same(got, want)) {
    const show = (v: unknown) => (typeof v === 'string' ? `string(${v.length})` : Object.prototype.toString.call(v));
    throw new Error(`echo mismatch: sent ${show(want)}, got ${show(got)}`);
  }
}

const now = (): number => performance.now() / 1000;

/** Sequential round trips of `payload` until the budget or maxCalls. */
async function sequential(client: BenchClient, payload: unknown, spec: RunSpec, minCalls: number): Promise<number> {
  const deadline = now() + spec.seconds;
  let calls = 0;
  while (calls < spec.maxCalls && (calls < minCalls || now() < deadline)) {
    check(await client.call(payload), payload);
    calls++;
  }
  return calls;
}

/** `spec.inflight` requests kept outstanding until the budget or maxCalls. */
async function pipelined(client: BenchClient, spec: RunSpec): Promise<number> {
  const deadline = now() + spec.seconds;
  let started = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (started < spec.maxCalls && now() < deadline) {
      started++;
      check(await client.call(SMALL), SMALL);
      done++;
    }
  };
  await Promise.all(Array.from({ length: spec.inflight }, lane));
  return done;
}

/**
 * `notifyCount` notifications, yielding to the event loop every 1000 so the
 * socket drains while the client produces (every adapter the same), then
 * `count()` requests as a fence until the server has seen them all.
 */
async function notifications(client: BenchClient, spec: RunSpec): Promise<number> {
  const before = await client.count();
  const t0 = now();
  for (let sent = 0; sent < spec.notifyCount; ) {
    const end = Math.min(spec.notifyCount, sent + 1000);
    for (; sent < end; sent++) client.notify();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // A library may still be running queued notification handlers when it
  // answers the fence; poll (bounded) rather than count that as done.
  let seen = (await client.count()) - before;
  for (let polls = 0; seen < spec.notifyCount && polls < 100_000; polls++) {
    if (now() - t0 > 120) break;
    seen = (await client.count()) - before;
  }
  if (seen !== spec.notifyCount) throw new Error(`server saw ${seen} of ${spec.notifyCount} notifications`);
  return spec.notifyCount;
}

/** Connect, one echo, close; repeated until the budget or maxCalls. */
async function connections(adapter: Adapter, port: number, variant: string | undefined, spec: RunSpec): Promise<number> {
  const deadline = now() + spec.seconds;
  let n = 0;
  while (n < spec.maxCalls && now() < deadline) {
    const c = await adapter.connect(port, variant);
    check(await c.call(SMALL), SMALL);
    await c.close();
    n++;
  }
  return n;
}

/** Default `big` payload: an ASCII string of `bytes` characters. */
export function bigString(bytes: number): string {
  return 'a'.repeat(bytes);
}

/**
 * Runs one workload and measures it: wall time of the measured part and the
 * client process's CPU time over the same span.
 */
export async function runWorkload(
  adapter: Adapter,
  client: BenchClient,
  port: number,
  variant: string | undefined,
  spec: RunSpec,
  big: unknown,
): Promise<RunResult> {
  const cpu0 = process.cpuUsage();
  const t0 = now();
  let ops: number;
  switch (spec.workload) {
    case 'seq':
      ops = await sequential(client, SMALL, spec, 1);
      break;
    case 'pipe':
      ops = await pipelined(client, spec);
      break;
    case 'notify':
      ops = await notifications(client, spec);
      break;
    case 'big':
      ops = await sequential(client, big, spec, 2);
      break;
    case 'conn':
      ops = await connections(adapter, port, variant, spec);
      break;
  }
  const seconds = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ops, seconds, cpuUs: cpu.user + cpu.system };
}
