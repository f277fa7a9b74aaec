// Helpers for tests that run the service as a real node process.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const PROJECT_DIR = fileURLToPath(new URL('../..', import.meta.url));

const DEFAULT_WAIT_MS = 5000;

/**
 * Starts `node <args>` in the project folder and parses each stdout line as a
 * JSON log record. Lines that are not JSON are kept as `{ msg: line }`.
 * The process is killed when the test ends, if it still runs.
 */
export function spawnNode(t, args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));

  const records = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    try {
      records.push(JSON.parse(line));
    } catch {
      records.push({ msg: line });
    }
  });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });

  // 'close' comes after stdout has ended, so `records` is complete by then.
  const closed = once(child, 'close').then(([code, signal]) => ({ code, signal }));

  /** Resolves with the first record that `matches`, polling until `timeoutMs`. */
  async function waitForRecord(matches, timeoutMs = DEFAULT_WAIT_MS) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const record = records.find(matches);
      if (record !== undefined) {
        return record;
      }
      if (child.exitCode !== null) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(
      `No matching log record within ${timeoutMs} ms. Records: ${JSON.stringify(records)}, stderr: ${stderr}`,
    );
  }

  return {
    child,
    records,
    closed,
    waitForRecord,
    get stderr() {
      return stderr;
    },
  };
}

/** Returns the index of the first record whose msg equals `message`, or -1. */
export function indexOfMessage(records, message) {
  return records.findIndex((record) => record.msg === message);
}
