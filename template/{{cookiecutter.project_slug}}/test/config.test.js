{%- set code_dir = 'dist' if cookiecutter.language == 'ts' else 'src' -%}
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readConfig, readInteger } from '../{{ code_dir }}/config.js';

test('readConfig uses defaults for an empty environment', () => {
  const config = readConfig({});
{%- if cookiecutter.app_type == 'api' %}
  assert.equal(config.port, {{ cookiecutter.port }});
{%- else %}
  assert.equal(config.intervalMs, 5000);
{%- endif %}
  assert.equal(config.logLevel, 'info');
  assert.equal(config.shutdownTimeoutMs, 8000);
});

test('readConfig reads set variables', () => {
{%- if cookiecutter.app_type == 'api' %}
  const config = readConfig({ PORT: '8080', LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '500' });
  assert.equal(config.port, 8080);
{%- else %}
  const config = readConfig({ WORK_INTERVAL_MS: '250', LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '500' });
  assert.equal(config.intervalMs, 250);
{%- endif %}
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.shutdownTimeoutMs, 500);
});

test('readInteger accepts surrounding blanks', () => {
  assert.equal(readInteger({ N: ' 9 ' }, 'N', 7, { min: 0, max: 10 }), 9);
});

test('readInteger treats an empty value as unset', () => {
  assert.equal(readInteger({ N: ' ' }, 'N', 7, { min: 0, max: 10 }), 7);
});

test('readInteger rejects invalid values', () => {
  for (const raw of ['abc', '1.5', '-1', '11', '0x5', '1e1', '5 5']) {
    assert.throws(
      () => readInteger({ N: raw }, 'N', 7, { min: 0, max: 10 }),
      { message: `Invalid N '${raw}': expected an integer from 0 to 10.` },
    );
  }
});
