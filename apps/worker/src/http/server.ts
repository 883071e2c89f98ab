import { runChecks } from '@simple-shop/observability';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { WorkerDependencies } from '../deps';
import type { WorkerMetrics } from '../metrics';
import type { RunningWorkers } from '../worker';

/**
 * The worker's own small HTTP endpoint: `/health` (liveness), `/health/deep` (MongoDB, Redis,
 * workers running) and `/metrics` for Prometheus. Not exposed to the internet.
 */
export async function buildWorkerHttp(
  deps: WorkerDependencies,
  metrics: WorkerMetrics,
  running: RunningWorkers,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.get('/health', async () => ({ status: 'ok', timestamp: new Date().toISOString() }));

  app.get('/health/deep', async (_request, reply) => {
    const result = await runChecks({
      database: { required: true, probe: () => deps.database.ping() },
      redis: {
        required: true,
        probe: async () => {
          await deps.redis.ping();
        },
      },
      workers: {
        required: true,
        probe: async () => {
          const stopped = running.workers.filter((w) => !w.isRunning()).map((w) => w.name);
          if (stopped.length > 0) throw new Error(`not running: ${stopped.join(', ')}`);
        },
      },
    });
    return reply
      .status(result.status === 'unhealthy' ? 503 : 200)
      .send({ ...result, uptime: Math.round(process.uptime()), timestamp: new Date().toISOString() });
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });

  await app.ready();
  return app;
}
