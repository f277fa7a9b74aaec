import { setTimeout as sleep } from 'node:timers/promises';

import type { JobContext } from './job.js';
import type { ShutdownLogger } from './shutdown.js';

/** A loop made by `createWorkLoop`. */
export interface WorkLoop {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Creates a loop that runs `processJob` once per iteration, with a pause of
 * `intervalMs` between iterations.
 *
 * `start()` returns a promise that resolves once the loop has stopped.
 * `stop()` interrupts the pause at once, but waits for a job in progress to
 * finish. A job that throws is logged, and the loop goes on with the next one.
 */
export function createWorkLoop({
  logger,
  intervalMs,
  processJob,
}: {
  logger: ShutdownLogger;
  intervalMs: number;
  processJob: (context: JobContext) => Promise<void>;
}): WorkLoop {
  const controller = new AbortController();
  let running: Promise<void> | null = null;

  async function run(): Promise<void> {
    let iteration = 0;
    while (!controller.signal.aborted) {
      iteration += 1;
      try {
        await processJob({ logger, iteration });
      } catch (err) {
        logger.error({ err, iteration }, 'job failed');
      }

      try {
        await sleep(intervalMs, undefined, { signal: controller.signal });
      } catch (err) {
        if (!(err instanceof Error) || err.name !== 'AbortError') {
          throw err;
        }
      }
    }
  }

  return {
    start() {
      running ??= run();
      return running;
    },
    async stop() {
      controller.abort();
      await running;
    },
  };
}
