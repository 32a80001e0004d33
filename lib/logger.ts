/**
 * How a pino logger is accepted, defaulted and made per connection.
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
import type { Logger } from 'pino';

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

let defaultLogger: Logger | undefined;

let envLevel: string | undefined;

/** `BSONRPC_LOG_LEVEL` or `warn`, read once: the environment is slow to read per message. */
const defaultLevel = (): string => (envLevel ??= process.env.BSONRPC_LOG_LEVEL || 'warn');

/**
 * The shared default logger: pino to stderr (fd 2), level from the
 * `BSONRPC_LOG_LEVEL` environment variable, else `warn`. Created on first use.
 */
export function getDefaultLogger(): Logger {
  if (!defaultLogger) {
    // Loaded here, not imported at the top: see the module comment.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { pino } = require('pino') as typeof import('pino');
    defaultLogger = pino({ name: 'bsonrpc', level: defaultLevel() }, pino.destination({ fd: 2, sync: true }));
  }
  return defaultLogger;
}

/**
 * One connection's logger: `base.child({ connectionId })`, made on the first
 * line written. Its level methods check the level first, so a line that
 * would not be written costs a comparison and never loads pino. @internal
 */
export class ConnectionLogger {
  private made: Logger | undefined;

  /**
   * @param base the `logger` option, or undefined for the default logger.
   *   An unknown `BSONRPC_LOG_LEVEL` fails here, as pino would, rather than
   *   at the first line logged.
   */
  constructor(
    private readonly base: Logger | undefined,
    private readonly connectionId: string,
  ) {
    if (!base && !defaultLogger && !(defaultLevel() in LEVEL_VALUES)) getDefaultLogger();
  }

  /** The child logger itself (made now if it was not yet). */
  get logger(): Logger {
    return (this.made ??= (this.base ?? getDefaultLogger()).child({ connectionId: this.connectionId }));
  }

  /** True when a line at `level` would be written. */
  isLevelEnabled(level: Level): boolean {
    const known = this.made ?? this.base ?? defaultLogger;
    if (known) return known.isLevelEnabled(level);
    return LEVEL_VALUES[level] >= (LEVEL_VALUES[defaultLevel()] ?? 0);
  }

  trace(obj: object, msg: string): void {
    if (this.isLevelEnabled('trace')) this.logger.trace(obj, msg);
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
