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
