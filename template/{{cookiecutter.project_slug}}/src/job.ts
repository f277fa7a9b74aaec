import { setTimeout as sleep } from 'node:timers/promises';

import type { ShutdownLogger } from './shutdown.js';

// Stand-in for the time that real work (I/O, a queue message) takes. It lets
// you see that a shutdown waits for the job in progress.
const PLACEHOLDER_WORK_MS = 200;

/** Arguments that the loop passes to each job. */
export interface JobContext {
  logger: ShutdownLogger;
  iteration: number;
}

/**
 * Runs one unit of work. Replace the body with the service's own work, and
 * throw to report a failure: the loop logs it and goes on.
 */
export async function processJob({ logger, iteration }: JobContext): Promise<void> {
  logger.info({ iteration }, 'job started');
  await sleep(PLACEHOLDER_WORK_MS);
  logger.info({ iteration }, 'job finished');
}
