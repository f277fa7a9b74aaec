import { setTimeout as sleep } from 'node:timers/promises';

// Stand-in for the time that real work (I/O, a queue message) takes. It lets
// you see that a shutdown waits for the job in progress.
const PLACEHOLDER_WORK_MS = 200;

/**
 * Runs one unit of work. Replace the body with the service's own work, and
 * throw to report a failure: the loop logs it and goes on.
 */
export async function processJob({ logger, iteration }) {
  logger.info({ iteration }, 'job started');
  await sleep(PLACEHOLDER_WORK_MS);
  logger.info({ iteration }, 'job finished');
}
