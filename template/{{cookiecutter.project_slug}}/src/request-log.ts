import type { IncomingMessage, ServerResponse } from 'node:http';

/** The logger method that request logging uses, as pino's Logger has it. */
export interface RequestLogger {
  info(fields: object, message: string): void;
}

/**
 * Logs one record per request when its response has been sent, with the
 * method, URL, status code and duration in milliseconds.
 */
export function logRequests(
  logger: RequestLogger,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const started = process.hrtime.bigint();
  response.on('finish', () => {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    logger.info(
      {
        method: request.method,
        url: request.url,
        statusCode: response.statusCode,
        durationMs: Math.round(durationMs * 100) / 100,
      },
      'request completed',
    );
  });
}
