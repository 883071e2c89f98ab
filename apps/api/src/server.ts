import { loadConfigOrExit } from '@simple-shop/config';
import { createLogger } from '@simple-shop/observability';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';

/**
 * The API process: read config (a bad variable stops here, named), build the app, listen, and
 * on SIGTERM/SIGINT stop accepting, finish in-flight requests, then close MongoDB/Redis.
 */
const config = loadConfigOrExit();
const logger = createLogger({ service: 'api', level: config.LOG_LEVEL });
// An unreachable MongoDB is waited for inside (one log line per attempt); anything else that stops
// start-up (bad credentials, say) becomes one fatal line and a non-zero exit, not an unhandled rejection.
const app = await buildApp({ config, logger }).catch((error: unknown) => {
  logger.fatal({ err: error }, 'API could not start');
  process.exit(1);
});

closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down: draining in-flight requests');
  await app.close();
});

await app.listen({ host: config.HOST, port: config.PORT });
