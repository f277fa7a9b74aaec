{%- set code_dir = 'dist' if cookiecutter.language == 'ts' else 'src' -%}
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { spawnNode } from './helpers/child-process.js';

test('cli prints a greeting and exits 0', async (t) => {
  const cli = spawnNode(t, ['{{ code_dir }}/cli.js', 'Ada']);

  const { code } = await cli.closed;

  assert.equal(code, 0);
  assert.deepEqual(cli.records, [{ msg: 'Hello, Ada!' }]);
});

test('cli exits 2 on invalid arguments', async (t) => {
  const cli = spawnNode(t, ['{{ code_dir }}/cli.js', '--no-such-option']);

  const { code } = await cli.closed;

  assert.equal(code, 2);
  assert.match(cli.stderr, /Usage:/);
});
