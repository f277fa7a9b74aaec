import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import {
  computeImageTag,
  formatImageTag,
  ImageTagError,
  parseBaseImage,
  parseNvmrc,
  versionFromRef,
} from '../scripts/image-tag.js';
import { PROJECT_DIR } from './helpers/child-process.js';

const run = promisify(execFile);

const DOCKERFILE = `
FROM node:24.11.1-alpine3.22 AS deps
RUN npm ci --omit=dev

FROM --platform=linux/amd64 node:24.11.1-alpine3.22 AS runtime
CMD ["node", "src/server.js"]
`;

function inputs(overrides = {}) {
  return {
    dockerfileText: DOCKERFILE,
    nvmrcText: '24.11.1\n',
    packageJsonText: JSON.stringify({ version: '1.4.2' }),
    ref: undefined,
    ...overrides,
  };
}

test('parseBaseImage reads the last FROM', () => {
  const text = 'FROM golang:1.23-alpine3.22 AS tools\nFROM node:24.11.1-alpine3.22\n';
  assert.deepEqual(parseBaseImage(text), { node: '24.11.1', alpine: '3.22' });
});

test('parseBaseImage skips --platform and AS', () => {
  assert.deepEqual(parseBaseImage(DOCKERFILE), { node: '24.11.1', alpine: '3.22' });
});

test('parseBaseImage accepts a digest and registry', () => {
  const digest = 'a'.repeat(64);
  const text = `FROM docker.io/library/node:24.11.1-alpine3.22@sha256:${digest}\n`;
  assert.deepEqual(parseBaseImage(text), { node: '24.11.1', alpine: '3.22' });
});

test('parseBaseImage accepts a Docker Hub mirror', () => {
  const images = [
    'mirror.acme.internal/library/node:24.11.1-alpine3.22',
    'mirror.acme.internal/dockerhub/library/node:24.11.1-alpine3.22',
    'localhost:5000/hub/library/node:24.11.1-alpine3.22',
  ];
  for (const image of images) {
    const text = `FROM ${image} AS runtime\n`;
    assert.deepEqual(parseBaseImage(text), { node: '24.11.1', alpine: '3.22' }, image);
  }
});

test('parseBaseImage rejects other base images', () => {
  const cases = [
    'FROM node:24-alpine3.22',
    'FROM node:24.11.1-alpine',
    'FROM node:24.11.1-slim',
    'FROM node:-alpine3.22',
    'FROM debian:12',
    'FROM acme/node:24.11.1-alpine3.22',
    'FROM mirror.acme.internal/node:24.11.1-alpine3.22',
    'FROM ',
  ];
  for (const text of cases) {
    assert.throws(() => parseBaseImage(text), ImageTagError, text);
  }
});

test('parseBaseImage reads a slim runtime on alpine after a node stage', () => {
  const text =
    'FROM node:24.11.1-alpine3.22 AS deps\nFROM node:24.11.1-alpine3.22 AS build\n' +
    'FROM docker.io/library/alpine:3.22 AS runtime\n';
  assert.deepEqual(parseBaseImage(text), { node: '24.11.1', alpine: '3.22' });
});

test('parseBaseImage rejects alpine on another Alpine than the node stage', () => {
  const text = 'FROM node:24.11.1-alpine3.22 AS deps\nFROM alpine:3.23\n';
  assert.throws(() => parseBaseImage(text), {
    message: /node image 'node:24.11.1-alpine3.22' is built on Alpine 3.22\. Make the last/,
  });
});

test('parseBaseImage rejects alpine without a node stage before it', () => {
  assert.throws(() => parseBaseImage('FROM alpine:3.22\n'), {
    message: /no earlier FROM names node:/,
  });
});

test('parseBaseImage rejects node stages that disagree', () => {
  const text = 'FROM node:24.10.0-alpine3.22 AS deps\nFROM node:24.11.1-alpine3.22\n';
  assert.throws(() => parseBaseImage(text), { message: /name different node images/ });
});

test('parseBaseImage rejects a Dockerfile without FROM', () => {
  assert.throws(() => parseBaseImage('# FROM node:24.11.1-alpine3.22\n'), {
    message: 'The Dockerfile has no FROM instruction.',
  });
});

test('parseNvmrc strips one leading v', () => {
  assert.equal(parseNvmrc('v24.11.1\n'), '24.11.1');
  assert.equal(parseNvmrc('vv24.11.1'), 'v24.11.1');
});

test('versionFromRef strips refs/tags/ and one v', () => {
  assert.equal(versionFromRef('refs/tags/v1.4.2'), '1.4.2');
  assert.equal(versionFromRef('refs/tags/1.4.2'), '1.4.2');
  assert.equal(versionFromRef('refs/tags/vv1.4.2'), 'v1.4.2');
});

test('versionFromRef ignores branches', () => {
  assert.equal(versionFromRef('refs/heads/main'), null);
  assert.equal(versionFromRef('refs/heads/v1.4.2'), null);
  assert.equal(versionFromRef('refs/pull/7/merge'), null);
});

test('formatImageTag joins the parts', () => {
  assert.equal(formatImageTag({ alpine: '3.22', node: '24.11.1', version: '1.4.2' }), '3.22-v24.11.1-1.4.2');
});

test('formatImageTag rejects an empty part', () => {
  const parts = { alpine: '3.22', node: '24.11.1', version: '1.4.2' };
  for (const key of Object.keys(parts)) {
    assert.throws(() => formatImageTag({ ...parts, [key]: '' }), /is missing or empty/, key);
    assert.throws(() => formatImageTag({ ...parts, [key]: undefined }), /is missing or empty/, key);
  }
});

test('formatImageTag rejects build metadata', () => {
  assert.throws(
    () => formatImageTag({ alpine: '3.22', node: '24.11.1', version: '1.4.2+build.5' }),
    /'\+' is not allowed in a Docker tag/,
  );
});

test('formatImageTag rejects a tag over 128 characters', () => {
  const version = `1.0.0-${'a'.repeat(120)}`;
  assert.throws(() => formatImageTag({ alpine: '3.22', node: '24.11.1', version }), /is invalid/);
});

test('computeImageTag returns the tag and parts', () => {
  assert.deepEqual(computeImageTag(inputs()), {
    tag: '3.22-v24.11.1-1.4.2',
    node: '24.11.1',
    alpine: '3.22',
    version: '1.4.2',
  });
});

test('computeImageTag rejects a different .nvmrc', () => {
  assert.throws(() => computeImageTag(inputs({ nvmrcText: '24.12.0\n' })), {
    message:
      ".nvmrc names Node.js '24.12.0', but the Dockerfile uses 24.11.1. Change both to " +
      'the same version, for example with `node scripts/image-tag.js --sync-nvmrc`.',
  });
});

test('computeImageTag rejects an empty .nvmrc', () => {
  assert.throws(() => computeImageTag(inputs({ nvmrcText: '\n' })), /\.nvmrc is empty/);
});

test('computeImageTag rejects a missing version', () => {
  const packageJsonText = JSON.stringify({ name: 'x' });
  assert.throws(() => computeImageTag(inputs({ packageJsonText })), {
    message: 'The version in package.json is missing or empty.',
  });
});

test('computeImageTag rejects invalid package.json', () => {
  assert.throws(() => computeImageTag(inputs({ packageJsonText: '{' })), /package.json is not valid JSON/);
});

test('computeImageTag accepts a matching release ref', () => {
  assert.equal(computeImageTag(inputs({ ref: 'refs/tags/v1.4.2' })).tag, '3.22-v24.11.1-1.4.2');
});

test('computeImageTag accepts a branch ref', () => {
  assert.equal(computeImageTag(inputs({ ref: 'refs/heads/main' })).tag, '3.22-v24.11.1-1.4.2');
});

test('computeImageTag rejects a different release ref', () => {
  assert.throws(() => computeImageTag(inputs({ ref: 'refs/tags/v9.9.9' })), {
    message:
      "The git tag refs/tags/v9.9.9 gives version '9.9.9', but package.json has '1.4.2'. " +
      'Tag the commit as v1.4.2, or bump the version in package.json.',
  });
});

test('computeImageTag rejects a doubled v in the ref', () => {
  assert.throws(() => computeImageTag(inputs({ ref: 'refs/tags/vv1.4.2' })), /gives version 'v1.4.2'/);
});

/** Computes the expected tag from the project's own files. */
async function readProjectTag() {
  const read = (name) => readFile(join(PROJECT_DIR, name), 'utf8');
  return computeImageTag({
    dockerfileText: await read('Dockerfile'),
    nvmrcText: await read('.nvmrc'),
    packageJsonText: await read('package.json'),
  });
}

test('image-tag script prints the project tag', async () => {
  const expected = await readProjectTag();

  const { stdout } = await run(process.execPath, ['scripts/image-tag.js'], { cwd: PROJECT_DIR });

  assert.equal(stdout, `${expected.tag}\n`);
});

test('image-tag script writes GitHub step outputs', async (t) => {
  const expected = await readProjectTag();
  const outputDir = await mkdtemp(join(tmpdir(), 'image-tag-'));
  t.after(() => rm(outputDir, { recursive: true, force: true }));
  const outputFile = join(outputDir, 'github-output');

  await run(process.execPath, ['scripts/image-tag.js', '--github-output'], {
    cwd: PROJECT_DIR,
    env: { ...process.env, GITHUB_OUTPUT: outputFile },
  });

  const lines = (await readFile(outputFile, 'utf8')).split('\n');
  assert.ok(lines.includes(`tag=${expected.tag}`));
  assert.ok(lines.includes(`node=${expected.node}`));
  assert.ok(lines.includes(`alpine=${expected.alpine}`));
  assert.ok(lines.includes(`version=${expected.version}`));
});

test('image-tag script exits 1 on a mismatched ref', async () => {
  await assert.rejects(
    run(process.execPath, ['scripts/image-tag.js', '--ref', 'refs/tags/v0.0.0-no-such-version'], {
      cwd: PROJECT_DIR,
    }),
    (err) => err.code === 1 && /^image-tag: The git tag/.test(err.stderr),
  );
});

test('image-tag script exits 1 on an unknown option', async () => {
  await assert.rejects(
    run(process.execPath, ['scripts/image-tag.js', '--tag'], { cwd: PROJECT_DIR }),
    (err) => err.code === 1 && /^image-tag: Unknown option '--tag'/.test(err.stderr),
  );
});

/** Copies the files image-tag.js reads into a new folder, and returns the folder. */
async function copyProject(t) {
  const folder = await mkdtemp(join(tmpdir(), 'image-tag-project-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  for (const name of ['Dockerfile', '.nvmrc', 'package.json']) {
    await copyFile(join(PROJECT_DIR, name), join(folder, name));
  }
  return folder;
}

const SCRIPT = join(PROJECT_DIR, 'scripts/image-tag.js');

test('image-tag script writes a GitLab dotenv file', async (t) => {
  const expected = await readProjectTag();
  const folder = await copyProject(t);

  await run(process.execPath, [SCRIPT, '--dotenv', 'image.env'], { cwd: folder });

  const lines = (await readFile(join(folder, 'image.env'), 'utf8')).split('\n');
  assert.deepEqual(lines, [
    `IMAGE_TAG=${expected.tag}`,
    `IMAGE_NODE_VERSION=${expected.node}`,
    `IMAGE_ALPINE_VERSION=${expected.alpine}`,
    `IMAGE_VERSION=${expected.version}`,
    '',
  ]);
});

test('image-tag script checks a --git-tag name', async () => {
  const expected = await readProjectTag();

  const { stdout } = await run(process.execPath, [SCRIPT, '--git-tag', `v${expected.version}`], {
    cwd: PROJECT_DIR,
  });

  assert.equal(stdout, `${expected.tag}\n`);
});

test('image-tag script rejects a mismatched --git-tag', async () => {
  await assert.rejects(
    run(process.execPath, [SCRIPT, '--git-tag', 'v0.0.0-no-such-version'], { cwd: PROJECT_DIR }),
    (err) => err.code === 1 && /gives version '0\.0\.0-no-such-version'/.test(err.stderr),
  );
});

test('image-tag script ignores an empty --git-tag', async () => {
  const expected = await readProjectTag();

  const { stdout } = await run(process.execPath, [SCRIPT, '--git-tag', ''], { cwd: PROJECT_DIR });

  assert.equal(stdout, `${expected.tag}\n`);
});

test('image-tag script rejects --ref with --git-tag', async () => {
  await assert.rejects(
    run(process.execPath, [SCRIPT, '--ref', 'refs/heads/main', '--git-tag', 'v1.0.0'], {
      cwd: PROJECT_DIR,
    }),
    (err) => err.code === 1 && /either --ref or --git-tag/.test(err.stderr),
  );
});

test('image-tag script fails on an empty version', async (t) => {
  const folder = await copyProject(t);
  const packageJson = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8'));
  await writeFile(join(folder, 'package.json'), JSON.stringify({ ...packageJson, version: '' }));

  await assert.rejects(
    run(process.execPath, [SCRIPT, '--dotenv', 'image.env'], { cwd: folder }),
    (err) =>
      err.code === 1 && err.stdout === '' && /version in package.json is missing/.test(err.stderr),
  );
  await assert.rejects(readFile(join(folder, 'image.env')), { code: 'ENOENT' });
});

test('image-tag script syncs .nvmrc to the Dockerfile', async (t) => {
  const expected = await readProjectTag();
  const folder = await copyProject(t);
  await writeFile(join(folder, '.nvmrc'), '20.0.0\n');

  const { stdout } = await run(process.execPath, [SCRIPT, '--sync-nvmrc'], { cwd: folder });

  assert.equal(stdout, `.nvmrc: 20.0.0 -> ${expected.node}\n`);
  assert.equal(await readFile(join(folder, '.nvmrc'), 'utf8'), `${expected.node}\n`);
  const tag = await run(process.execPath, [SCRIPT], { cwd: folder });
  assert.equal(tag.stdout, `${expected.tag}\n`);
});
