import { loadConfigOrExit } from '@simple-shop/config';
import { createLogger } from '@simple-shop/observability';
import closeWithGrace from 'close-with-grace';
import { createWorkerDependencies } from './deps';
import { buildWorkerHttp } from './http/server';
import { createWorkerMetrics } from './metrics';
import { startWorkers, type RunningWorkers } from './worker';

/**
 * The worker process. On SIGTERM/SIGINT: stop taking jobs and let active ones finish
 * (worker.close()), then close the HTTP endpoint and the connections. A job cut off by a hard
 * kill is not lost: BullMQ's stalled-job check hands it to another worker.
 */
const config = loadConfigOrExit();
const logger = createLogger({ service: 'worker', level: config.LOG_LEVEL });
const deps = await createWorkerDependencies(config, logger);
// Queue depth is read from the running workers' queues, which exist only after the metrics do.
const queuesForMetrics: { current: RunningWorkers | undefined } = { current: undefined };
const metrics = createWorkerMetrics(() => queuesForMetrics.current?.queues ?? []);
const running = startWorkers(deps, metrics);
queuesForMetrics.current = running;
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
