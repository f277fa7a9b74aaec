{%- if cookiecutter.framework == 'fastify' -%}
// Entry point of the HTTP service: listens on PORT and shuts down on SIGTERM or SIGINT.
import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { createLogger } from './logger.js';
import { exitOnShutdownSignals } from './shutdown.js';

const config = readConfig(process.env);
const app = buildApp({ loggerInstance: createLogger({ level: config.logLevel }) });

exitOnShutdownSignals({
  logger: app.log,
  close: () => app.close(),
  timeoutMs: config.shutdownTimeoutMs,
});

try {
  // 0.0.0.0 makes the port reachable from outside the container.
  await app.listen({ host: '0.0.0.0', port: config.port });
} catch (err) {
  app.log.error({ err, port: config.port }, 'server failed to start');
  process.exit(1);
}
{%- else -%}
// Entry point of the HTTP service: listens on PORT and shuts down on SIGTERM or SIGINT.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { createLogger } from './logger.js';
import { exitOnShutdownSignals } from './shutdown.js';

const config = readConfig(process.env);
const logger = createLogger({ level: config.logLevel });
const server = createServer(buildApp({ logger }));

exitOnShutdownSignals({
  logger,
  // close() stops accepting connections, closes idle keep-alive connections and
  // calls back once the requests in progress have finished.
  close: () =>
    new Promise((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve(undefined)));
    }),
  timeoutMs: config.shutdownTimeoutMs,
});

server.on('error', (err) => {
  logger.error({ err, port: config.port }, 'server failed');
  process.exit(1);
});

// 0.0.0.0 makes the port reachable from outside the container.
server.listen({ host: '0.0.0.0', port: config.port }, () => {
  // With PORT=0 the operating system picks the port, so log the one bound.
  logger.info(`Server listening at http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
{%- endif %}
