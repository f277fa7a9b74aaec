{%- set code_dir = 'dist' if cookiecutter.language == 'ts' else 'src' -%}
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { indexOfMessage, spawnNode } from './helpers/child-process.js';

test('worker logs JSON and runs jobs', async (t) => {
  const worker = spawnNode(t, ['{{ code_dir }}/worker.js'], { WORK_INTERVAL_MS: '10' });

  const finished = await worker.waitForRecord((record) => record.msg === 'job finished');

  assert.equal(finished.iteration, 1);
  assert.equal(typeof finished.level, 'number');
});

test('worker finishes the job in progress on SIGTERM', async (t) => {
  const worker = spawnNode(t, ['{{ code_dir }}/worker.js'], { WORK_INTERVAL_MS: '10' });
  const started = await worker.waitForRecord((record) => record.msg === 'job started');

  worker.child.kill('SIGTERM');
  const { code } = await worker.closed;

  assert.equal(code, 0);
  const records = worker.records;
  const finishedIndex = records.findIndex(
    (record) => record.msg === 'job finished' && record.iteration === started.iteration,
  );
  const shutdownStartedIndex = indexOfMessage(records, 'shutdown started');
  const shutdownCompleteIndex = indexOfMessage(records, 'shutdown complete');
  assert.notEqual(finishedIndex, -1);
  assert.notEqual(shutdownStartedIndex, -1);
  assert.ok(finishedIndex < shutdownCompleteIndex);
  const startedAfterSignal = records
    .slice(shutdownStartedIndex)
    .some((record) => record.msg === 'job started');
  assert.equal(startedAfterSignal, false);
});

test('worker exits 0 on SIGINT', async (t) => {
  const worker = spawnNode(t, ['{{ code_dir }}/worker.js'], { WORK_INTERVAL_MS: '10' });
  await worker.waitForRecord((record) => record.msg === 'worker started');

  worker.child.kill('SIGINT');
  const { code } = await worker.closed;

  assert.equal(code, 0);
});

test('worker rejects an invalid WORK_INTERVAL_MS', async (t) => {
  const worker = spawnNode(t, ['{{ code_dir }}/worker.js'], { WORK_INTERVAL_MS: 'soon' });

  const { code } = await worker.closed;

  assert.equal(code, 1);
  assert.match(worker.stderr, /Invalid WORK_INTERVAL_MS 'soon'/);
});
