/**
 * Logs one record per request when its response has been sent, with the
 * method, URL, status code and duration in milliseconds.
 */
export function logRequests(logger, request, response) {
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
