/**
 * How a logger (pino, or anything with pino-style level methods) is
 * accepted, checked, defaulted and made per connection.
 *
 * The default writes to stderr, never stdout: stdio may be the transport,
 * and a log line on stdout would corrupt the stream.
 *
 * Nothing here is made before it is needed. pino itself is loaded on the
 * first line the default logger writes, and a connection's child logger on
 * the first line that connection writes: at the default level (`warn`) most
 * processes never log, and loading pino costs about 8 MiB of resident
 * memory per process (measured: `node -e "require('pino')"` 47.8 MiB RSS
 * against 39.4 MiB for bare node, Node 20).
 */

/**
 * One log method, in pino's calling convention: an object of fields first,
 * then the message. console's, bunyan's and winston's methods fit it.
 */
export type RpcLogFn = (fields: object, message?: string) => void;

/**
 * The logger shape the `logger` option takes: pino, bunyan, winston,
 * `console`, or anything else with these level methods.
 *
 * - `isLevelEnabled(level)` is used when present (pino, winston). Otherwise
 *   a `level` property is read (a level name, or bunyan's `level()` number on
 *   pino's scale: trace 10 … error 50); failing that, `BSONRPC_LOG_LEVEL` or
 *   `warn` decides, as for the default logger.
 * - `child({ connectionId })` is used when present; otherwise each line's
 *   fields get `connectionId` added.
 * - `trace` may be missing (winston); such lines go to `debug`.
 *
 * Declared here rather than taken from pino, so that the published types
 * need neither pino's types nor `esModuleInterop`.
 */
export interface RpcLogger {
  /** Logs at `error`. */
  error: RpcLogFn;
  /** Logs at `warn`. */
  warn: RpcLogFn;
  /** Logs at `info`. */
  info: RpcLogFn;
  /** Logs at `debug`. */
  debug: RpcLogFn;
  /** Logs at `trace` (message dumps); optional. */
  trace?: RpcLogFn;
  /** True when a line at `level` would be written; optional. */
  isLevelEnabled?(level: string): boolean;
  /** A logger that adds `bindings` to every line; optional. */
  child?(bindings: Record<string, unknown>): RpcLogger;
  /** The current level: a name (pino, winston), or a method returning a number (bunyan); optional. */
  level?: unknown;
}

/** The levels bsonrpc logs at. */
type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** pino's numeric level values, to decide "would this be written?" without pino. */
const LEVEL_VALUES: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

let defaultLogger: RpcLogger | undefined;

let envLevel: string | undefined;

/** The default level's number on pino's scale, once read (see `ConnectionLogger.isTracing`). */
let defaultThreshold: number | undefined;

/** pino's number for `trace`. */
const TRACE = 10;

/** `BSONRPC_LOG_LEVEL` or `warn`, read once: the environment is slow to read per message. */
const defaultLevel = (): string => (envLevel ??= process.env.BSONRPC_LOG_LEVEL || 'warn');

/**
 * The shared default logger: pino to stderr (fd 2), level from the
 * `BSONRPC_LOG_LEVEL` environment variable, else `warn`. Created on first use.
 */
export function getDefaultLogger(): RpcLogger {
  if (!defaultLogger) {
    // Loaded here, not imported at the top: see the module comment.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { pino } = require('pino') as typeof import('pino');
    defaultLogger = pino({ name: 'bsonrpc', level: defaultLevel() }, pino.destination({ fd: 2, sync: true }));
  }
  return defaultLogger;
}

/**
 * Throws a `TypeError` unless `logger` is nothing or has the level methods of
 * an {@link RpcLogger}: a wrong logger fails when the peer is made, not on the
 * first line it writes.
 */
export function checkLogger(logger: unknown): RpcLogger | undefined {
  if (logger === undefined || logger === null) return undefined;
  const missing = (['error', 'warn', 'info', 'debug'] as const).filter(
    (m) => typeof (logger as Record<string, unknown> | undefined)?.[m] !== 'function',
  );
  if ((typeof logger !== 'object' && typeof logger !== 'function') || missing.length > 0) {
    const what = typeof logger === 'object' || typeof logger === 'function' ? `an object without ${missing.join(', ')}` : typeof logger;
    throw new TypeError(`logger must have pino-style level methods (error, warn, info, debug), like pino, bunyan, winston or console; got ${what}`);
  }
  return logger as RpcLogger;
}

/** The threshold of a logger without `isLevelEnabled`, on pino's scale. */
function thresholdOf(logger: RpcLogger): number {
  let level = logger.level;
  if (typeof level === 'function') {
    try {
      level = (level as () => unknown).call(logger); // bunyan: level() returns a number
    } catch {
      level = undefined;
    }
  }
  if (typeof level === 'number') return level;
  if (typeof level === 'string' && level in LEVEL_VALUES) return LEVEL_VALUES[level];
  return LEVEL_VALUES[defaultLevel()] ?? LEVEL_VALUES.warn;
}

/** Whether `logger` writes lines at `level`. */
function enabledIn(logger: RpcLogger, level: Level): boolean {
  if (typeof logger.isLevelEnabled === 'function') return logger.isLevelEnabled(level);
  return LEVEL_VALUES[level] >= thresholdOf(logger);
}

/** `base` with `bindings` added to each line's fields: the child of a logger that has no `child`. */
function withBindings(base: RpcLogger, bindings: Record<string, unknown>): RpcLogger {
  const at =
    (level: Level): RpcLogFn =>
    (fields, message) => {
      const fn = (level === 'trace' ? (base.trace ?? base.debug) : base[level]) as RpcLogFn;
      fn.call(base, { ...bindings, ...fields }, message);
    };
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    isLevelEnabled: (level) => enabledIn(base, level as Level),
    child: (more) => withBindings(base, { ...bindings, ...more }),
  };
}

/**
 * One connection's logger: `base.child({ connectionId })`, made on the first
 * line written. Its level methods check the level first, so a line that
 * would not be written costs a comparison and never loads pino. Internal:
 * not exported from the package.
 */
export class ConnectionLogger {
  private made: RpcLogger | undefined;
  private readonly base: RpcLogger | undefined;

  /**
   * @param base the `logger` option, or undefined for the default logger.
   *   A logger without level methods fails here with a `TypeError`, and so
   *   does an unknown `BSONRPC_LOG_LEVEL`, as pino would, rather than at the
   *   first line logged.
   */
  constructor(
    base: RpcLogger | undefined,
    /** The connection's label (the `connectionId` option), also used in error messages. */
    readonly connectionId: string,
  ) {
    this.base = checkLogger(base);
    if (!this.base && !defaultLogger && !(defaultLevel() in LEVEL_VALUES)) getDefaultLogger();
  }

  /** The child logger itself (made now if it was not yet). */
  get logger(): RpcLogger {
    if (!this.made) {
      const base = this.base ?? getDefaultLogger();
      const bindings = { connectionId: this.connectionId };
      this.made = typeof base.child === 'function' ? base.child(bindings) : withBindings(base, bindings);
    }
    return this.made;
  }

  /** True when a line at `level` would be written. */
  /**
   * `isLevelEnabled('trace')`, made cheap: messages are traced, so this is
   * asked twice per message (received, sent) and must cost next to nothing
   * when tracing is off. A pino logger's numeric threshold is compared
   * directly; without a logger, the default level read once from the
   * environment decides (until the default logger exists).
   */
  isTracing(): boolean {
    const known = this.made ?? this.base ?? defaultLogger;
    if (known === undefined) return (defaultThreshold ??= LEVEL_VALUES[defaultLevel()] ?? 0) <= TRACE;
    const threshold = (known as { levelVal?: unknown }).levelVal;
    return typeof threshold === 'number' ? threshold <= TRACE : enabledIn(known, 'trace');
  }

  isLevelEnabled(level: Level): boolean {
    const known = this.made ?? this.base ?? defaultLogger;
    if (known) return enabledIn(known, level);
    return LEVEL_VALUES[level] >= (LEVEL_VALUES[defaultLevel()] ?? 0);
  }

  trace(obj: object, msg: string): void {
    if (this.isLevelEnabled('trace')) {
      const logger = this.logger;
      (logger.trace ?? logger.debug).call(logger, obj, msg);
    }
  }

  debug(obj: object, msg: string): void {
    if (this.isLevelEnabled('debug')) this.logger.debug(obj, msg);
  }

  info(obj: object, msg: string): void {
    if (this.isLevelEnabled('info')) this.logger.info(obj, msg);
  }

  warn(obj: object, msg: string): void {
    if (this.isLevelEnabled('warn')) this.logger.warn(obj, msg);
  }

  error(obj: object, msg: string): void {
    if (this.isLevelEnabled('error')) this.logger.error(obj, msg);
  }
}
