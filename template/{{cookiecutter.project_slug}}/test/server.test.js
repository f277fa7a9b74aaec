{%- set code_dir = 'dist' if cookiecutter.language == 'ts' else 'src' -%}
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';

import { indexOfMessage, spawnNode } from './helpers/child-process.js';

const LISTENING_PATTERN = /^Server listening at (\S+)$/;

/** Starts {{ code_dir }}/server.js on a free port and returns the process and its port. */
async function startServer(t) {
  const server = spawnNode(t, ['{{ code_dir }}/server.js'], { PORT: '0', LOG_LEVEL: 'info' });
  const listening = await server.waitForRecord((record) => LISTENING_PATTERN.test(record.msg));
  const url = new URL(LISTENING_PATTERN.exec(listening.msg)[1]);
  return { server, port: url.port };
}

/** Returns a TCP port on which nothing listens, at least for the moment. */
async function findClosedPort() {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return String(port);
}

test('server answers /health over HTTP', async (t) => {
  const { port } = await startServer(t);

  const response = await fetch(`http://127.0.0.1:${port}/health`);

  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'ok' });
});

test('server writes JSON log records', async (t) => {
  const { server } = await startServer(t);

  const record = server.records[0];

  assert.equal(typeof record.level, 'number');
  assert.equal(typeof record.time, 'number');
});

test('server exits 0 on SIGTERM', async (t) => {
  const { server } = await startServer(t);

  server.child.kill('SIGTERM');
  const { code } = await server.closed;

  assert.equal(code, 0);
  assert.notEqual(indexOfMessage(server.records, 'shutdown started'), -1);
  assert.notEqual(indexOfMessage(server.records, 'shutdown complete'), -1);
});

test('server exits 0 on SIGINT', async (t) => {
  const { server } = await startServer(t);

  server.child.kill('SIGINT');
  const { code } = await server.closed;

  assert.equal(code, 0);
});

test('server rejects an invalid PORT', async (t) => {
  const server = spawnNode(t, ['{{ code_dir }}/server.js'], { PORT: 'eighty' });

  const { code } = await server.closed;

  assert.equal(code, 1);
  assert.match(server.stderr, /Invalid PORT 'eighty'/);
});

test('healthcheck exits 0 when the server is healthy', async (t) => {
  const { port } = await startServer(t);
  const probe = spawnNode(t, ['{{ code_dir }}/healthcheck.js'], { PORT: port });

  const { code } = await probe.closed;

  assert.equal(code, 0);
});

test('healthcheck exits 1 when nothing listens', async (t) => {
  const probe = spawnNode(t, ['{{ code_dir }}/healthcheck.js'], { PORT: await findClosedPort() });

  const { code } = await probe.closed;

  assert.equal(code, 1);
  assert.match(probe.stderr, /Health check failed/);
});
