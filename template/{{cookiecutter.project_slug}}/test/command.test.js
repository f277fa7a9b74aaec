{%- set code_dir = 'dist' if cookiecutter.language == 'ts' else 'src' -%}
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { EXIT_OK, EXIT_USAGE, USAGE, runCommand } from '../{{ code_dir }}/command.js';

/** Runs the command with `args` and returns its exit code and output. */
async function run(args) {
  let stdout = '';
  let stderr = '';
  const code = await runCommand(args, {
    stdout: { write: (text) => (stdout += text) },
    stderr: { write: (text) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

test('command greets each name', async () => {
  const result = await run(['Ada', 'Grace']);

  assert.equal(result.code, EXIT_OK);
  assert.equal(result.stdout, 'Hello, Ada!\nHello, Grace!\n');
  assert.equal(result.stderr, '');
});

test('command shouts with --shout', async () => {
  const result = await run(['--shout', 'Ada']);

  assert.equal(result.stdout, 'HELLO, ADA!\n');
});

test('command prints usage with --help', async () => {
  const result = await run(['--help']);

  assert.equal(result.code, EXIT_OK);
  assert.equal(result.stdout, USAGE);
});

test('command prints the package version', async () => {
  const result = await run(['--version']);

  assert.equal(result.code, EXIT_OK);
  assert.equal(result.stdout, '{{ cookiecutter.project_version }}\n');
});

test('command rejects a missing name', async () => {
  const result = await run([]);

  assert.equal(result.code, EXIT_USAGE);
  assert.match(result.stderr, /missing NAME/);
  assert.equal(result.stdout, '');
});

test('command rejects an unknown option', async () => {
  const result = await run(['--colour', 'Ada']);

  assert.equal(result.code, EXIT_USAGE);
  assert.match(result.stderr, /Unknown option '--colour'/);
});
