/**
 * Entry point of every child process (server or client), forked by run.ts
 * and driven over the IPC channel: `serve` or `client` fixes the role, then
 * `run` (client) and `usage` (both) until `exit`.
 *
 * Children run the transpiled JS from bench/.build, not ts-node, so neither
 * start-up nor the TypeScript compiler's memory shows in the numbers.
 */
import * as path from 'path';
import { answerParent, exitOnUnhandledRejection } from './child-ipc';
import type { Adapter, BenchClient, BenchServer, ChildRequest, ChildUsage } from './types';
import { bigString, runWorkload } from './workloads';

let server: BenchServer | undefined;
let client: BenchClient | undefined;
let adapter: Adapter | undefined;
let variant: string | undefined;
let port = 0;
let big: unknown;

function load(module: string): Adapter {
  // Adapters load lazily by name so that one whose library is missing or
  // broken (e.g. lib/ mid-rewrite) fails only its own row.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, 'adapters', module)) as { adapter: Adapter }).adapter;
}

function usage(): ChildUsage {
  const cpu = process.cpuUsage();
  // resourceUsage().maxRSS is getrusage's peak RSS in KiB (VmHWM on Linux).
  return { cpuUs: cpu.user + cpu.system, maxRss: process.resourceUsage().maxRSS * 1024, rss: process.memoryUsage.rss() };
}

async function handle(msg: ChildRequest): Promise<unknown> {
  switch (msg.op) {
    case 'serve':
      adapter = load(msg.module);
      server = await adapter.startServer(0, msg.variant);
      return server.port;
    case 'client':
      adapter = load(msg.module);
      variant = msg.variant;
      port = msg.port;
      client = await adapter.connect(port, variant);
      return null;
    case 'run': {
      if (!adapter || !client) throw new Error('run before client');
      if (msg.spec.workload === 'big' && big === undefined) {
        big = adapter.bigPayload?.(variant, msg.spec.bigBytes) ?? bigString(msg.spec.bigBytes);
      }
      return runWorkload(adapter, client, port, variant, msg.spec, big);
    }
    case 'usage':
      return usage();
    case 'exit':
      await client?.close();
      await server?.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

answerParent(handle);
exitOnUnhandledRejection('bench child');
