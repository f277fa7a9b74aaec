import { pino, type Logger } from 'pino';

/**
 * Creates the service's pino logger, which writes one JSON object per line to
 * stdout.
 *
 * Writes are synchronous. With pino's default asynchronous destination, the
 * process.exit() at the end of a shutdown can write the last lines out of
 * order, or cut a write that is still in progress.
 */
export function createLogger({ level }: { level: string }): Logger {
  return pino({ level }, pino.destination({ dest: 1, sync: true }));
}
