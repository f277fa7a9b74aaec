{%- set code_dir = 'dist' if cookiecutter.language == 'ts' else 'src' -%}
{%- if cookiecutter.framework == 'fastify' -%}
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildApp } from '../{{ code_dir }}/app.js';

function createTestApp(t) {
  const app = buildApp({ logger: false });
  t.after(() => app.close());
  return app;
}

test('GET /health returns 200 with status ok', async (t) => {
  const app = createTestApp(t);

  const response = await app.inject({ method: 'GET', url: '/health' });

  assert.equal(response.statusCode, 200);
  assert.match(response.headers['content-type'], /^application\/json/);
  assert.deepEqual(response.json(), { status: 'ok' });
});

test('unknown route returns 404', async (t) => {
  const app = createTestApp(t);

  const response = await app.inject({ method: 'GET', url: '/no-such-route' });

  assert.equal(response.statusCode, 404);
});
{%- else -%}
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test } from 'node:test';

import pino from 'pino';

import { buildApp } from '../{{ code_dir }}/app.js';

/** Starts the app on a free loopback port and returns its base URL. */
async function startTestServer(t) {
  const server = createServer(buildApp({ logger: pino({ level: 'silent' }) }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return `http://127.0.0.1:${server.address().port}`;
}

test('GET /health returns 200 with status ok', async (t) => {
  const baseUrl = await startTestServer(t);

  const response = await fetch(`${baseUrl}/health`);

  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(await response.json(), { status: 'ok' });
});

test('unknown route returns 404', async (t) => {
  const baseUrl = await startTestServer(t);

  const response = await fetch(`${baseUrl}/no-such-route`);

  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { error: 'Not Found' });
});

test('request is logged with its status code', async (t) => {
  const entries = [];
  const logger = { info: (fields, msg) => entries.push({ ...fields, msg }) };
  const server = createServer(buildApp({ logger }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());

  const response = await fetch(`http://127.0.0.1:${server.address().port}/health`);
  await response.arrayBuffer();
  // The record is written on the response's 'finish' event, which may come
  // after the client has read the body.
  await new Promise((resolve) => setImmediate(resolve));

  const record = entries.find((entry) => entry.msg === 'request completed');
  assert.equal(record.method, 'GET');
  assert.equal(record.url, '/health');
  assert.equal(record.statusCode, 200);
  assert.equal(typeof record.durationMs, 'number');
});
{%- endif %}
