// Settings read from environment variables, with the defaults that apply when a
// variable is unset or empty. .env.example lists the same variables.

const MAX_SHUTDOWN_TIMEOUT_MS = 10 * 60 * 1000;

/** Environment variables in the shape of `process.env`. */
export type Environment = Record<string, string | undefined>;

/** Service settings, read by `readConfig`. */
export interface Config {
{%- if cookiecutter.app_type == 'api' %}
  port: number;
{%- else %}
  intervalMs: number;
{%- endif %}
  logLevel: string;
  shutdownTimeoutMs: number;
}

/**
 * Reads a non-negative integer environment variable and checks that it lies
 * in [min, max]. Returns `fallback` when the variable is unset or empty, and
 * throws on any other value that is not such an integer.
 */
export function readInteger(
  env: Environment,
  name: string,
  fallback: number,
  { min, max }: { min: number; max: number },
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }

  // Only plain decimal digits: Number() alone would also accept '0x5' and '1e3'.
  const text = raw.trim();
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new Error(
      `Invalid ${name} '${raw}': expected an integer from ${min} to ${max}.`,
    );
  }
  return value;
}

/** Returns the service settings from `env`, usually `process.env`. */
export function readConfig(env: Environment): Config {
  return {
{%- if cookiecutter.app_type == 'api' %}
    // Port 0 lets the operating system pick a free port, which the tests use.
    port: readInteger(env, 'PORT', {{ cookiecutter.port }}, { min: 0, max: 65535 }),
{%- else %}
    // Pause between two units of work.
    intervalMs: readInteger(env, 'WORK_INTERVAL_MS', 5000, {
      min: 0,
      max: 24 * 60 * 60 * 1000,
    }),
{%- endif %}
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    // The default stays below the 10 s that `docker stop` waits before it
    // sends SIGKILL, so a stuck shutdown is logged before the kill.
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 8000, {
      min: 1,
      max: MAX_SHUTDOWN_TIMEOUT_MS,
    }),
  };
}
