/** Structured logging (pino). Components take a `Logger` and never create their own. */
import { pino } from 'pino';

export type Logger = Pick<pino.Logger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: { service: 'ctxgraph' } });
}

/** A logger that drops everything: for tests and benchmarks. */
export const silentLogger: Logger = pino({ level: 'silent' });
