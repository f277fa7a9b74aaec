{%- if cookiecutter.framework == 'fastify' -%}
import { fastify, type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import type { Server } from 'node:http';

const healthResponseSchema = {
  200: {
    type: 'object',
    properties: {
      status: { type: 'string' },
    },
    required: ['status'],
  },
};

/**
 * Creates the Fastify application with its routes, without listening on a port.
 *
 * `options` go to Fastify unchanged. Tests call `app.inject()` on the result,
 * and src/server.ts starts it.
 */
export function buildApp(options: FastifyHttpOptions<Server> = {}): FastifyInstance {
  const app = fastify(options);

  app.get('/health', { schema: { response: healthResponseSchema } }, async () => {
    return { status: 'ok' };
  });

  return app;
}
{%- elif cookiecutter.framework == 'express' -%}
import express, { type Express } from 'express';

import { logRequests, type RequestLogger } from './request-log.js';

/**
 * Creates the Express application with its routes, without listening on a port.
 *
 * The result is a request listener: src/server.ts passes it to
 * `http.createServer()`, and so do the tests.
 */
export function buildApp({ logger }: { logger: RequestLogger }): Express {
  const app = express();
  // X-Powered-By only helps attackers pick the framework's known flaws to probe.
  app.disable('x-powered-by');
  app.use((request, response, next) => {
    logRequests(logger, request, response);
    next();
  });

  app.get('/health', (request, response) => {
    response.json({ status: 'ok' });
  });

  app.use((request, response) => {
    response.status(404).json({ error: 'Not Found' });
  });

  return app;
}
{%- else -%}
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

import { logRequests, type RequestLogger } from './request-log.js';

/** Sends `body` as JSON with the given status code. */
function sendJson(response: ServerResponse, statusCode: number, body: object): void {
  const payload = JSON.stringify(body);
  response.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}

/**
 * Creates the request listener of the service, for `http.createServer()`.
 *
 * src/server.ts starts it on a port, and the tests on a free one.
 */
export function buildApp({ logger }: { logger: RequestLogger }): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    logRequests(logger, request, response);
    // Only the path matters for routing; the host part is a placeholder.
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');

    if (pathname === '/health' && (request.method === 'GET' || request.method === 'HEAD')) {
      sendJson(response, 200, { status: 'ok' });
      return;
    }
    sendJson(response, 404, { error: 'Not Found' });
  };
}
{%- endif %}
