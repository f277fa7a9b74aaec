/** The logger methods that the shutdown uses, as pino's Logger has them. */
export interface ShutdownLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Installs SIGTERM and SIGINT handlers that run `close` once and then exit.
 *
 * The process exits with code 0 when `close` resolves. It exits with code 1
 * when `close` rejects, when it has not settled after `timeoutMs`, or when a
 * second signal arrives during the shutdown. So a `close` that never settles
 * ends the process after `timeoutMs`.
 */
export function exitOnShutdownSignals({
  logger,
  close,
  timeoutMs,
}: {
  logger: ShutdownLogger;
  close: () => Promise<unknown>;
  timeoutMs: number;
}): void {
  let shuttingDown = false;

  async function shutDown(signal: NodeJS.Signals): Promise<void> {
    if (shuttingDown) {
      logger.error({ signal }, 'second signal during shutdown, exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal, timeoutMs }, 'shutdown started');

    // This timer also keeps the process alive while `close` is pending.
    setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs);

    try {
      await close();
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }

    logger.info({ signal }, 'shutdown complete');
    process.exit(0);
  }

  process.on('SIGTERM', shutDown);
  process.on('SIGINT', shutDown);
}
