{%- set code_dir = 'dist' if cookiecutter.language == 'ts' else 'src' -%}
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { spawnNode } from './helpers/child-process.js';

const SHUTDOWN_MODULE = new URL('../{{ code_dir }}/shutdown.js', import.meta.url).href;

/**
 * Starts a process that installs the shutdown handlers with the given `close`
 * body and keeps running until a signal arrives.
 */
function startProcess(t, { closeBody, timeoutMs }) {
  const script = `
    import { exitOnShutdownSignals } from ${JSON.stringify(SHUTDOWN_MODULE)};
    const log = (level) => (fields, msg) => console.log(JSON.stringify({ level, ...fields, msg }));
    const logger = { info: log('info'), error: log('error') };
    exitOnShutdownSignals({ logger, close: async () => { ${closeBody} }, timeoutMs: ${timeoutMs} });
    setInterval(() => {}, 1000);
    logger.info({}, 'ready');
  `;
  return spawnNode(t, ['--input-type=module', '--eval', script]);
}

test('shutdown exits 0 when close resolves', async (t) => {
  const service = startProcess(t, { closeBody: '', timeoutMs: 5000 });
  await service.waitForRecord((record) => record.msg === 'ready');

  service.child.kill('SIGTERM');
  const { code } = await service.closed;

  assert.equal(code, 0);
  assert.ok(service.records.some((record) => record.msg === 'shutdown complete'));
});

test('shutdown exits 1 when close rejects', async (t) => {
  const service = startProcess(t, { closeBody: "throw new Error('close broke');", timeoutMs: 5000 });
  await service.waitForRecord((record) => record.msg === 'ready');

  service.child.kill('SIGINT');
  const { code } = await service.closed;

  assert.equal(code, 1);
  assert.ok(service.records.some((record) => record.msg === 'shutdown failed'));
});

test('shutdown exits 1 after the timeout', async (t) => {
  const service = startProcess(t, { closeBody: 'await new Promise(() => {});', timeoutMs: 200 });
  await service.waitForRecord((record) => record.msg === 'ready');

  service.child.kill('SIGTERM');
  const { code } = await service.closed;

  assert.equal(code, 1);
  assert.ok(service.records.some((record) => record.msg === 'shutdown timed out, exiting'));
});

test('shutdown exits 1 on a second signal', async (t) => {
  const service = startProcess(t, { closeBody: 'await new Promise(() => {});', timeoutMs: 60000 });
  await service.waitForRecord((record) => record.msg === 'ready');

  service.child.kill('SIGTERM');
  await service.waitForRecord((record) => record.msg === 'shutdown started');
  service.child.kill('SIGINT');
  const { code } = await service.closed;

  assert.equal(code, 1);
  assert.ok(
    service.records.some((record) => record.msg === 'second signal during shutdown, exiting now'),
  );
});
