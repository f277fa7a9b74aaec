// Entry point of the worker: runs jobs in a loop until SIGTERM or SIGINT, then
// lets the job in progress finish and exits.
import { readConfig } from './config.js';
import { processJob } from './job.js';
import { createLogger } from './logger.js';
import { createWorkLoop } from './loop.js';
import { exitOnShutdownSignals } from './shutdown.js';

const config = readConfig(process.env);
const logger = createLogger({ level: config.logLevel });
const loop = createWorkLoop({ logger, intervalMs: config.intervalMs, processJob });

exitOnShutdownSignals({
  logger,
  close: () => loop.stop(),
  timeoutMs: config.shutdownTimeoutMs,
});

logger.info({ intervalMs: config.intervalMs }, 'worker started');
await loop.start();
