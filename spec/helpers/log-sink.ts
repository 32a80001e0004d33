/** A pino logger that keeps its lines in memory, so specs can assert what was logged. */
import pino, { Logger } from 'pino';

/** One parsed log line. */
export type LogLine = Record<string, any> & { level: number; msg: string };

/** A logger plus the lines it wrote. */
export interface LogSink {
  logger: Logger;
  lines: LogLine[];
  /** Lines at `warn` (40) or above. */
  warnings(): LogLine[];
}

/** Creates a trace-level logger writing into an array. */
export function logSink(level: pino.Level = 'debug'): LogSink {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { logger, lines, warnings: () => lines.filter((l) => l.level >= 40) };
}
