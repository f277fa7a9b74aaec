import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildApp } from '../src/app.js';

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
