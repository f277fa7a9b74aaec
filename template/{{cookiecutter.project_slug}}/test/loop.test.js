{%- set code_dir = 'dist' if cookiecutter.language == 'ts' else 'src' -%}
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createWorkLoop } from '../{{ code_dir }}/loop.js';

/** Creates a logger that records each call as { level, fields, msg }. */
function createRecordingLogger() {
  const entries = [];
  const record = (level) => (fields, msg) => entries.push({ level, fields, msg });
  return { entries, info: record('info'), error: record('error') };
}

/** Creates a promise with its resolve function, so a test decides when a job ends. */
function createDeferred() {
  let resolve;
  const promise = new Promise((resolvePromise) => {
    resolve = resolvePromise;
  });
  return { promise, resolve };
}

test('stop waits for the job in progress', { timeout: 5000 }, async () => {
  const jobStarted = createDeferred();
  const jobMayFinish = createDeferred();
  let jobsFinished = 0;
  const loop = createWorkLoop({
    logger: createRecordingLogger(),
    intervalMs: 0,
    processJob: async () => {
      jobStarted.resolve();
      await jobMayFinish.promise;
      jobsFinished += 1;
    },
  });

  const running = loop.start();
  await jobStarted.promise;
  let stopped = false;
  const stopping = loop.stop().then(() => {
    stopped = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 50));

  assert.equal(stopped, false);
  jobMayFinish.resolve();
  await stopping;
  await running;
  assert.equal(jobsFinished, 1);
});

test('stop interrupts the pause between jobs', { timeout: 5000 }, async () => {
  const firstJobDone = createDeferred();
  const loop = createWorkLoop({
    logger: createRecordingLogger(),
    intervalMs: 60_000,
    processJob: async () => firstJobDone.resolve(),
  });

  const running = loop.start();
  await firstJobDone.promise;
  await loop.stop();

  await running;
});

test('failed job is logged and the loop goes on', { timeout: 5000 }, async () => {
  const logger = createRecordingLogger();
  const iterations = [];
  const loop = createWorkLoop({
    logger,
    intervalMs: 0,
    processJob: async ({ iteration }) => {
      iterations.push(iteration);
      if (iteration === 1) {
        throw new Error('job broke');
      }
      loop.stop();
    },
  });

  await loop.start();

  assert.deepEqual(iterations, [1, 2]);
  const failure = logger.entries.find((entry) => entry.msg === 'job failed');
  assert.equal(failure.level, 'error');
  assert.equal(failure.fields.iteration, 1);
  assert.equal(failure.fields.err.message, 'job broke');
});
