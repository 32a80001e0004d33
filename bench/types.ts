/**
 * Shared shapes of the benchmark: what an adapter must provide and what the
 * parent and its child processes say to each other over the IPC channel.
 *
 * Kept free of any import from lib/ so that the orchestrator and the peer
 * adapters build and run even while lib/ is incomplete.
 */

/** The workloads, in the order they are run and reported. */
export const WORKLOADS = ['seq', 'pipe', 'notify', 'big', 'conn'] as const;

/** One workload name. */
export type Workload = (typeof WORKLOADS)[number];

/**
 * One RPC connection as the workload drivers see it. Every adapter maps these
 * four operations onto its library's own client API.
 */
export interface BenchClient {
  /** Request `echo(x)` and resolve to what the server sent back. */
  call(x: unknown): Promise<unknown>;
  /** Send the one-way notification `tick()`; the server counts them. */
  notify(): void;
  /** Request `count()`: how many `tick` notifications the server has seen on any connection. */
  count(): Promise<number>;
  /** Close the connection; resolves once the socket is fully closed. */
  close(): Promise<void>;
}

/** A listening benchmark server. */
export interface BenchServer {
  /** The TCP port it listens on (127.0.0.1). */
  port: number;
  /** Stop listening and drop every connection. */
  close(): Promise<void>;
  /**
   * Scale `fanout`: send the notification `method(...params)` to every
   * connected client, and return how it was sent (e.g. `'server.broadcast'`,
   * `'loop'`), for the row's note. Absent: the adapter cannot fan out.
   */
  broadcast?(method: string, params: unknown[]): string;
}

/** Called by a client connection for each `tick(stamp)` notification the server sends it (scale `fanout`). */
export type TickHandler = (stamp: number) => void;

/** Server options only the scale workloads use. */
export interface ServeOptions {
  /** bsonrpc through `listen`: serve from this many cluster workers (`cores`). */
  workers?: number;
}

/**
 * What every file in bench/adapters/ exports (as `adapter`). `variant`
 * lets one file serve several rows (e.g. bsonrpc with each framing).
 */
export interface Adapter {
  /** Listen on 127.0.0.1:`port` (0 = ephemeral) and serve echo/tick/count. */
  startServer(port: number, variant?: string, options?: ServeOptions): Promise<BenchServer>;
  /** Open one persistent connection to the server on `port`; `onTick` receives the server's `tick(stamp)` notifications. */
  connect(port: number, variant?: string, onTick?: TickHandler): Promise<BenchClient>;
  /**
   * The payload `big` echoes for this adapter (`bytes` long: the run's
   * BENCH_BIG_BYTES), or `undefined` for the default string of that size.
   * BsonRpc returns a Buffer.
   */
  bigPayload?(variant: string | undefined, bytes: number): unknown;
}

/** Parameters of one measured (or warm-up) run of a workload. */
export interface RunSpec {
  workload: Workload;
  /** Time budget for time-boxed workloads (seq, pipe, big, conn), seconds. */
  seconds: number;
  /** Upper bound on calls for time-boxed workloads, so a run is bounded in count too. */
  maxCalls: number;
  /** Number of notifications for `notify`. */
  notifyCount: number;
  /** Requests kept in flight by `pipe`. */
  inflight: number;
  /** Size of the `big` payload, bytes. */
  bigBytes: number;
}

/** What a client child reports for one run. */
export interface RunResult {
  /** Completed operations (calls, notifications, or connections for `conn`). */
  ops: number;
  /** Wall time of the measured part, seconds. */
  seconds: number;
  /** CPU time (user + system) the client process used during the run, µs. */
  cpuUs: number;
}

/** Parent → child request over IPC. */
export type ChildRequest =
  | { id: number; op: 'serve'; module: string; variant?: string }
  | { id: number; op: 'client'; module: string; variant?: string; port: number }
  | { id: number; op: 'run'; spec: RunSpec }
  | { id: number; op: 'usage' }
  | { id: number; op: 'exit' };

/** A request as the orchestrator writes it; the channel adds the id. */
export type ChildRequestBody = ChildRequest extends infer R ? (R extends ChildRequest ? Omit<R, 'id'> : never) : never;

/** Child → parent answer over IPC. */
export interface ChildReply {
  id: number;
  ok: boolean;
  error?: string;
  /** For `serve`: the port; for `run`: the result; for `usage`: the usage. */
  value?: unknown;
}

/** Resource usage of a child process, as reported for `usage`. */
export interface ChildUsage {
  /** Cumulative CPU time (user + system), µs. */
  cpuUs: number;
  /** Peak resident set size of the process so far, bytes. */
  maxRss: number;
  /** Resident set size now, bytes. */
  rss: number;
}
