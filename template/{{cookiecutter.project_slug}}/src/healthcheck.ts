// Probe for the Dockerfile's HEALTHCHECK, written in Node because the Alpine
// image has no curl. Exits 0 when GET /health returns a 2xx status, else 1.
import { readConfig } from './config.js';

// The Dockerfile's HEALTHCHECK --timeout is 3 s, so the probe gives up first
// and reports its own failure.
const REQUEST_TIMEOUT_MS = 2000;

const { port } = readConfig(process.env);

try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, {
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!response.ok) {
    console.error(`Health check failed: GET /health returned ${response.status}.`);
    process.exit(1);
  }
} catch (err) {
  console.error(`Health check failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
