#!/usr/bin/env node
// Entry point of the command-line tool: runs the command with the process's
// arguments and exits with its exit code.
import { EXIT_FAILURE, runCommand } from './command.js';

try {
  process.exitCode = await runCommand(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
  });
} catch (err) {
  console.error(`{{ cookiecutter.project_slug }}: ${err instanceof Error ? err.stack : err}`);
  process.exitCode = EXIT_FAILURE;
}
