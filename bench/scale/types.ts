/**
 * Shapes of the scale phase of `npm run bench` (fanin, fanout, idle, cores):
 * what the orchestrator asks its server and client children, what they
 * answer, and what is saved in the results JSON under `scale`.
 */

/** The scale workloads, in report order. */
export const SCALE_WORKLOADS = ['fanin', 'fanout', 'idle', 'cores'] as const;

/** One scale workload name. */
export type ScaleWorkload = (typeof SCALE_WORKLOADS)[number];

/** Requests to a scale server child (bench/scale/server-child.ts). */
export type ServerRequest =
  | { op: 'serve'; module: string; variant?: string; workers?: number }
  /** `gc`: collect garbage first (twice), so heapUsed is what is live. */
  | { op: 'usage'; gc: boolean }
  /** Broadcast `tick(stamp)` `count` times, yielding to the event loop between broadcasts. */
  | { op: 'broadcast'; count: number };

/** Requests to a scale client child (bench/scale/client-child.ts). */
export type ClientRequest =
  /** Open `count` connections; `ticks` makes each record the server's `tick(stamp)` notifications. */
  | { op: 'connect'; module: string; variant?: string; port: number; count: number; ticks: boolean }
  /** Every connection makes sequential `echo` calls for `seconds` (at most `maxCalls` each). */
  | { op: 'fanin'; seconds: number; maxCalls: number }
  /** Reset the fan-out counters and histogram before a broadcast run. */
  | { op: 'arm' }
  /** Resolve once every connection has received `messages` ticks since `arm` (rejects after `timeoutMs`). */
  | { op: 'await'; messages: number; timeoutMs: number };

/** Server child usage; heap and RSS in bytes. */
export interface ServerUsage {
  rss: number;
  heapUsed: number;
  cpuUs: number;
  /** Live connections the server process counts (undefined when it cannot tell). */
  conns?: number;
}

/** A client child's answer to `fanin`. */
export interface FaninResult {
  /** Calls completed within the time. */
  calls: number;
  /** Calls completed in all, the tail after the time included. */
  completed: number;
  seconds: number;
  cpuUs: number;
  /** HDR histogram of call latency in µs, encodeIntoCompressedBase64. */
  hist: string;
}

/** A client child's answer to `await`. */
export interface FanoutResult {
  deliveries: number;
  /** When the last tick arrived, ms since the epoch (performance.timeOrigin + now). */
  last: number;
  /** [stamp, latest receipt in this process] per message, ms since the epoch. */
  lastBy: [number, number][];
  /** HDR histogram of receipt delay (receipt − stamp) in µs. */
  hist: string;
}

/** The server's answer to `broadcast`. */
export interface BroadcastResult {
  /** Stamp of the first broadcast, ms since the epoch. */
  start: number;
  /** How the adapter fanned out (for the row note). */
  path: string;
}

/** Latency percentiles, µs. */
export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** One measured repetition of a scale workload for one row and C. */
export interface ScaleSample extends Percentiles {
  /** calls/s (fanin) or deliveries/s (fanout). */
  rate: number;
  ops: number;
  seconds: number;
  /** Server process CPU (user + system) per call or delivery, µs; not for cluster rows. */
  serverUsPerOp?: number;
  /** fanout: time until the last client has a message, µs: median and worst over the messages. */
  lastP50?: number;
  lastMax?: number;
}

/** Everything measured for one row × workload × C. */
export interface ScaleCell {
  workload: ScaleWorkload;
  adapter: string;
  conns: number;
  samples: ScaleSample[];
  /** Medians over the samples (rate, and each percentile). */
  rate?: number;
  latency?: Percentiles;
  /** Median server CPU per call or delivery, µs. */
  serverUsPerOp?: number;
  /** fanout: medians over the samples of the time until the last client has a message (µs). */
  last?: { p50: number; max: number };
  /** Server heap and RSS growth per connection, bytes (idle: right after connecting; fanin: after the repetitions). */
  heapPerConn?: number;
  rssPerConn?: number;
  /** E.g. which broadcast path ran. */
  note?: string;
}

/** The `scale` part of the results JSON. */
export interface ScaleResults {
  config: Record<string, unknown>;
  rows: { name: string; note: string; kind: string }[];
  cells: ScaleCell[];
}
