/**
 * How a pino logger is accepted, defaulted and made per connection.
 *
 * The default writes to stderr, never stdout: stdio may be the transport,
 * and a log line on stdout would corrupt the stream.
 */
import pino, { Logger } from 'pino';

let defaultLogger: Logger | undefined;

/**
 * The shared default logger: pino to stderr (fd 2), level from the
 * `BSONRPC_LOG_LEVEL` environment variable, else `warn`. Created on first use.
 */
export function getDefaultLogger(): Logger {
  if (!defaultLogger) {
    defaultLogger = pino(
      { name: 'bsonrpc', level: process.env.BSONRPC_LOG_LEVEL || 'warn' },
      pino.destination({ fd: 2, sync: true }),
    );
  }
  return defaultLogger;
}

/** One child logger per connection: every line carries `connectionId`. */
export function connectionLogger(base: Logger | undefined, connectionId: string): Logger {
  return (base ?? getDefaultLogger()).child({ connectionId });
}
