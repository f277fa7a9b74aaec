import Fastify from 'fastify';

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
 * and src/server.js starts it.
 */
export function buildApp(options = {}) {
  const app = Fastify(options);

  app.get('/health', { schema: { response: healthResponseSchema } }, async () => {
    return { status: 'ok' };
  });

  return app;
}
