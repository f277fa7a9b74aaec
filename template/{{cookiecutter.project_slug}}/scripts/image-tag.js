// Prints the image tag <alpine>-v<node>-<version>, for example 3.22-v24.11.1-1.4.2.
//
// The Alpine and Node.js versions come from the last FROM of the Dockerfile (for
// a slim runtime on alpine:<version>, the Node.js version comes from the node
// image before it), and must match .nvmrc. The version comes from package.json.
//
// Usage: node scripts/image-tag.js [--ref <git ref> | --git-tag <name>]
//                                   [--github-output] [--dotenv <file>]
//        node scripts/image-tag.js --sync-nvmrc
//   --ref            For refs/tags/vX.Y.Z, check that X.Y.Z equals the package.json
//                    version. Other refs, such as branches, are not checked.
//   --git-tag        The same check for a tag name such as v1.4.2, as in GitLab's
//                    $CI_COMMIT_TAG. An empty name means that no tag is built.
//   --github-output  Also append tag=, node=, alpine= and version= lines to the
//                    file named by $GITHUB_OUTPUT (GitHub Actions step outputs).
//   --dotenv         Also write IMAGE_TAG=, IMAGE_NODE_VERSION=,
//                    IMAGE_ALPINE_VERSION= and IMAGE_VERSION= lines to <file>,
//                    for a GitLab CI dotenv report.
//   --sync-nvmrc     Write the Node.js version of the Dockerfile's image into
//                    .nvmrc, for example after a Dependabot base image update.
import { appendFileSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

// Docker's grammar for a tag: 1 to 128 characters, no leading '.' or '-'.
export const DOCKER_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const FROM_LINE_PATTERN = /^\s*FROM\s+(.*)$/i;
// The official image's prefix: docker.io/library/, or a Docker Hub mirror's host,
// optional port and path followed by library/.
const OFFICIAL_PREFIX =
  '^(?:(?:docker\\.io/)?(?:library/)?|[a-z0-9.-]+(?::\\d+)?(?:/[a-z0-9._-]+)*/library/)';
const DIGEST = '(?:@sha256:[0-9a-f]{64})?$';
// node:<major.minor.patch>-alpine<major.minor>, optionally with a digest.
const NODE_IMAGE_PATTERN = new RegExp(
  `${OFFICIAL_PREFIX}node:(\\d+\\.\\d+\\.\\d+)-alpine(\\d+\\.\\d+)${DIGEST}`,
);
// alpine:<major.minor>, the final stage of a slim runtime image.
const ALPINE_IMAGE_PATTERN = new RegExp(`${OFFICIAL_PREFIX}alpine:(\\d+\\.\\d+)${DIGEST}`);
const EXPECTED =
  'node:<major.minor.patch>-alpine<major.minor>, such as node:24.11.1-alpine3.22, ' +
  'or alpine:<major.minor> after a node stage';

/** Error whose message is shown to the user as is, without a stack trace. */
export class ImageTagError extends Error {}

/** Returns the image named by each FROM line of `dockerfileText`, in order. */
function fromImages(dockerfileText) {
  return dockerfileText
    .split('\n')
    .map((line) => FROM_LINE_PATTERN.exec(line))
    .filter((match) => match !== null)
    .map((match) => {
      const words = match[1].trim().split(/\s+/);
      return words.find((word) => !word.startsWith('--')) ?? '';
    });
}

/**
 * Returns the Node.js and Alpine versions of the image the Dockerfile builds.
 *
 * The last FROM is the stage that becomes the image. It names either the node
 * image, which gives both versions, or alpine:<major.minor> for a slim runtime,
 * whose Node.js version is that of the node image before it. The two must be
 * built on the same Alpine version, and every node image named must be the same.
 */
export function parseBaseImage(dockerfileText) {
  const images = fromImages(dockerfileText);
  if (images.length === 0) {
    throw new ImageTagError('The Dockerfile has no FROM instruction.');
  }
  const nodeImages = images.filter((image) => NODE_IMAGE_PATTERN.test(image));
  const distinct = [...new Set(nodeImages.map((image) => versionsOf(image).join('-alpine')))];
  if (distinct.length > 1) {
    throw new ImageTagError(
      `The FROM lines of the Dockerfile name different node images (${nodeImages.join(', ')}). ` +
        'Make every FROM name the same node:<version>-alpine<alpine>.',
    );
  }
  const last = images.at(-1);
  if (NODE_IMAGE_PATTERN.test(last)) {
    const [node, alpine] = versionsOf(last);
    return { node, alpine };
  }
  const alpineMatch = ALPINE_IMAGE_PATTERN.exec(last);
  if (alpineMatch === null) {
    throw new ImageTagError(
      `The last FROM in the Dockerfile names '${last}', but it must name ${EXPECTED}.`,
    );
  }
  if (nodeImages.length === 0) {
    throw new ImageTagError(
      `The last FROM in the Dockerfile names '${last}', but no earlier FROM names ` +
        'node:<major.minor.patch>-alpine<major.minor> to take the node binary from.',
    );
  }
  const [node, nodeAlpine] = versionsOf(nodeImages.at(-1));
  if (nodeAlpine !== alpineMatch[1]) {
    throw new ImageTagError(
      `The last FROM in the Dockerfile names '${last}', but the node image ` +
        `'${nodeImages.at(-1)}' is built on Alpine ${nodeAlpine}. ` +
        `Make the last stage start FROM alpine:${nodeAlpine}.`,
    );
  }
  return { node, alpine: alpineMatch[1] };
}

/** Returns [node, alpine] of a reference that matches NODE_IMAGE_PATTERN. */
function versionsOf(nodeImage) {
  const [, node, alpine] = NODE_IMAGE_PATTERN.exec(nodeImage);
  return [node, alpine];
}

/** Returns the Node.js version in an .nvmrc file, without one leading 'v'. */
export function parseNvmrc(nvmrcText) {
  return nvmrcText.trim().replace(/^v/, '');
}

/**
 * Returns the version named by a git tag ref (refs/tags/v1.4.2 gives 1.4.2),
 * or null for any other ref, such as a branch. One leading 'v' is removed.
 */
export function versionFromRef(ref) {
  const prefix = 'refs/tags/';
  if (!ref.startsWith(prefix)) {
    return null;
  }
  return ref.slice(prefix.length).replace(/^v/, '');
}

const TAG_PART_NAMES = {
  alpine: 'Alpine version',
  node: 'Node.js version',
  version: 'version in package.json',
};

/** Returns `<alpine>-v<node>-<version>` after checking each part and the result. */
export function formatImageTag({ alpine, node, version }) {
  const parts = { alpine, node, version };
  for (const [key, value] of Object.entries(parts)) {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ImageTagError(`The ${TAG_PART_NAMES[key]} is missing or empty.`);
    }
  }

  const tag = `${alpine}-v${node}-${version}`;
  if (!DOCKER_TAG_PATTERN.test(tag)) {
    const hint = tag.includes('+')
      ? " Remove the semver build metadata ('+...'), because '+' is not allowed" +
        ' in a Docker tag.'
      : '';
    throw new ImageTagError(
      `The image tag '${tag}' is invalid: a Docker tag has 1 to 128 characters ` +
        `from [A-Za-z0-9_.-] and starts with a letter, digit or '_'.${hint}`,
    );
  }
  return tag;
}

/**
 * Computes the image tag from the text of the Dockerfile, .nvmrc and
 * package.json, and checks that they agree with each other and with `ref`.
 * Returns the tag and its parts.
 */
export function computeImageTag({ dockerfileText, nvmrcText, packageJsonText, ref }) {
  const { node, alpine } = parseBaseImage(dockerfileText);

  const nvmrcVersion = parseNvmrc(nvmrcText);
  if (nvmrcVersion === '') {
    throw new ImageTagError(
      `.nvmrc is empty. Write the Dockerfile's Node.js version ${node} into it.`,
    );
  }
  if (nvmrcVersion !== node) {
    throw new ImageTagError(
      `.nvmrc names Node.js '${nvmrcVersion}', but the Dockerfile uses ${node}. ` +
        'Change both to the same version, for example with ' +
        '`node scripts/image-tag.js --sync-nvmrc`.',
    );
  }

  let version;
  try {
    version = JSON.parse(packageJsonText).version;
  } catch (err) {
    throw new ImageTagError(`package.json is not valid JSON: ${err.message}`);
  }
  const tag = formatImageTag({ alpine, node, version });

  const refVersion = ref ? versionFromRef(ref) : null;
  if (refVersion !== null && refVersion !== version) {
    throw new ImageTagError(
      `The git tag ${ref} gives version '${refVersion}', but package.json has ` +
        `'${version}'. Tag the commit as v${version}, or bump the version in ` +
        'package.json.',
    );
  }

  return { tag, node, alpine, version };
}

function readProjectFile(projectDir, name) {
  try {
    return readFileSync(resolve(projectDir, name), 'utf8');
  } catch (err) {
    throw new ImageTagError(`Cannot read ${name}: ${err.message}`);
  }
}

/** Returns the git ref for the --ref or --git-tag option, or undefined for none. */
function refFromOptions(values) {
  if (values.ref !== undefined && values['git-tag'] !== undefined) {
    throw new ImageTagError('Pass either --ref or --git-tag, not both.');
  }
  if (values['git-tag']) {
    return `refs/tags/${values['git-tag']}`;
  }
  return values.ref;
}

/** Writes the Dockerfile's Node.js version into .nvmrc and prints the change. */
function syncNvmrc(projectDir) {
  const { node } = parseBaseImage(readProjectFile(projectDir, 'Dockerfile'));
  const nvmrcPath = resolve(projectDir, '.nvmrc');
  let previous = '';
  try {
    previous = parseNvmrc(readFileSync(nvmrcPath, 'utf8'));
  } catch (err) {
    if (err.code !== 'ENOENT') {
      throw new ImageTagError(`Cannot read .nvmrc: ${err.message}`);
    }
  }
  if (previous === node) {
    console.log(`.nvmrc already names Node.js ${node}.`);
    return;
  }
  writeFileSync(nvmrcPath, `${node}\n`);
  console.log(`.nvmrc: ${previous || '(empty)'} -> ${node}`);
}

function writeOutputs(values, result) {
  if (values['github-output']) {
    const outputFile = process.env.GITHUB_OUTPUT;
    if (!outputFile) {
      throw new ImageTagError(
        '--github-output needs the GITHUB_OUTPUT environment variable.',
      );
    }
    const keys = ['tag', 'node', 'alpine', 'version'];
    const lines = keys.map((key) => `${key}=${result[key]}\n`);
    appendFileSync(outputFile, lines.join(''));
  }

  if (values.dotenv !== undefined) {
    if (values.dotenv === '') {
      throw new ImageTagError('--dotenv needs a file name.');
    }
    const variables = {
      IMAGE_TAG: result.tag,
      IMAGE_NODE_VERSION: result.node,
      IMAGE_ALPINE_VERSION: result.alpine,
      IMAGE_VERSION: result.version,
    };
    const lines = Object.entries(variables).map(([name, value]) => `${name}=${value}\n`);
    writeFileSync(values.dotenv, lines.join(''));
  }
}

function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      ref: { type: 'string' },
      'git-tag': { type: 'string' },
      'github-output': { type: 'boolean', default: false },
      dotenv: { type: 'string' },
      'sync-nvmrc': { type: 'boolean', default: false },
    },
  });

  const projectDir = process.cwd();
  if (values['sync-nvmrc']) {
    syncNvmrc(projectDir);
    return;
  }

  const result = computeImageTag({
    dockerfileText: readProjectFile(projectDir, 'Dockerfile'),
    nvmrcText: readProjectFile(projectDir, '.nvmrc'),
    packageJsonText: readProjectFile(projectDir, 'package.json'),
    ref: refFromOptions(values),
  });
  writeOutputs(values, result);
  console.log(result.tag);
}

function isUserError(err) {
  return err instanceof ImageTagError || err.code?.startsWith('ERR_PARSE_ARGS_');
}

// Runs main() only when this file is executed, not when the tests import it.
const entryPath = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (import.meta.url === pathToFileURL(entryPath).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    if (!isUserError(err)) {
      throw err;
    }
    console.error(`image-tag: ${err.message}`);
    process.exitCode = 1;
  }
}
