import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Creates a loop that runs `processJob` once per iteration, with a pause of
 * `intervalMs` between iterations.
 *
 * `start()` returns a promise that resolves once the loop has stopped.
 * `stop()` interrupts the pause at once, but waits for a job in progress to
 * finish. A job that throws is logged, and the loop goes on with the next one.
 */
export function createWorkLoop({ logger, intervalMs, processJob }) {
  const controller = new AbortController();
  let running = null;

  async function run() {
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
        if (err.name !== 'AbortError') {
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
