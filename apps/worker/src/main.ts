import { loadConfigOrExit } from '@simple-shop/config';
import { createDatastoreMetrics, createLogger } from '@simple-shop/observability';
import closeWithGrace from 'close-with-grace';
import { createWorkerDependencies } from './deps';
import { buildWorkerHttp } from './http/server';
import { workerMetricSources } from './metric-sources';
import { createWorkerMetrics } from './metrics';
import { startWorkers } from './worker';

/**
 * The worker process. On SIGTERM/SIGINT: stop taking jobs and let active ones finish
 * (worker.close()), then close the HTTP endpoint and the connections. A job cut off by a hard
 * kill is not lost: BullMQ's stalled-job check hands it to another worker.
 */
const config = loadConfigOrExit();
const logger = createLogger({ service: 'worker', level: config.LOG_LEVEL });
// Waits for an unreachable MongoDB (one log line per attempt); any other start-up failure is one fatal line.
const deps = await createWorkerDependencies(config, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'worker could not start');
  process.exit(1);
});
const metrics = createWorkerMetrics(workerMetricSources(deps));
const datastore = createDatastoreMetrics(metrics.registry);
datastore.watchMongo(deps.database.client);
datastore.watchRedis(deps.redis);
const running = startWorkers(deps, metrics);
// One schedule for all replicas (upsert by id): the reconciliation safety net. Re-upserted on
// every Redis (re)connect, so a Redis that lost its data gets the schedule back.
const scheduleReconcile = () =>
  deps.queues.maintenance.queue
    .upsertJobScheduler(
      'reconcile',
      { every: config.RECONCILE_INTERVAL_MS },
      { name: 'reconcile', data: { task: 'reconcile', requestedAt: 'scheduled' } },
    )
    .catch((error: unknown) => logger.warn({ err: error }, 'could not schedule reconciliation (Redis down?)'));
await scheduleReconcile();
deps.redis.on('ready', () => void scheduleReconcile());
const http = await buildWorkerHttp(deps, metrics, running);

closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down: finishing active jobs');
  await running.close();
  await http.close();
  await deps.close();
  logger.info('worker stopped cleanly');
});

const address = await http.listen({ host: config.HOST, port: config.WORKER_PORT });
logger.info({ address }, 'worker http listening');
