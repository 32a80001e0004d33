/**
 * What the run happened on, and how busy the machine was meanwhile: on a
 * shared 2-core VM, CPU steal and outside load explain most of the spread
 * between repetitions, so the report prints them next to the numbers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from './build';

/** Static facts about the machine and runtime. */
export interface MachineInfo {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

/** The machine and runtime. */
export function machine(): MachineInfo {
  return {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** Aggregate CPU tick counters from /proc/stat (Linux); undefined elsewhere. */
export interface CpuTicks {
  busy: number;
  idle: number;
  steal: number;
}

/** Reads the machine-wide CPU counters. */
export function cpuTicks(): CpuTicks | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal: steal ?? 0 };
  } catch {
    return undefined;
  }
}

/** Shares of all CPU time between two readings: busy (anyone in this VM), idle, and stolen by the host. */
export function cpuShares(a: CpuTicks | undefined, b: CpuTicks | undefined): { busy: number; idle: number; steal: number } | undefined {
  if (!a || !b) return undefined;
  const busy = b.busy - a.busy;
  const idle = b.idle - a.idle;
  const steal = b.steal - a.steal;
  const total = busy + idle + steal;
  if (total <= 0) return undefined;
  return { busy: busy / total, idle: idle / total, steal: steal / total };
}

/** Installed version of a dependency, or 'missing'. */
export function version(pkg: string): string {
  try {
    const file = path.join(ROOT, 'node_modules', pkg, 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}
