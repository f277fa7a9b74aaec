import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

// Exit codes: 0 success, 1 failure while running, 2 invalid arguments (the
// convention of most Unix tools).
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const COMMAND_NAME = '{{ cookiecutter.project_slug }}';

export const USAGE = `Usage: ${COMMAND_NAME} [options] NAME...

{{ cookiecutter.description }}

Prints a greeting for each NAME. Replace this command with your own in src/command.ts.

Options:
  --shout        print the greetings in capital letters
  -h, --help     print this help and exit
  -v, --version  print the version and exit
`;

/** A text output stream, such as process.stdout or process.stderr. */
export interface Output {
  write(text: string): unknown;
}

const OPTIONS = {
  shout: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const;

/** Returns the version field of the project's package.json. */
async function readVersion(): Promise<string> {
  const manifest = new URL('../package.json', import.meta.url);
  return JSON.parse(await readFile(manifest, 'utf8')).version;
}

/**
 * Runs the command with `args` (without the node and script paths), writing to
 * `stdout` and `stderr`, and returns the exit code. It never calls
 * process.exit(), so tests can call it directly.
 */
export async function runCommand(
  args: string[],
  { stdout, stderr }: { stdout: Output; stderr: Output },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    stderr.write(`${COMMAND_NAME}: ${message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;

  if (values.help) {
    stdout.write(USAGE);
    return EXIT_OK;
  }
  if (values.version) {
    stdout.write(`${await readVersion()}\n`);
    return EXIT_OK;
  }
  if (positionals.length === 0) {
    stderr.write(`${COMMAND_NAME}: missing NAME\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  for (const name of positionals) {
    const greeting = `Hello, ${name}!`;
    stdout.write(`${values.shout ? greeting.toUpperCase() : greeting}\n`);
  }
  return EXIT_OK;
}
