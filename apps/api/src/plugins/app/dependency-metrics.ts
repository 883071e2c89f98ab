import { Gauge, runChecks } from '@simple-shop/observability';
import fp from 'fastify-plugin';

export const DEPENDENCY_GAUGE_NAME = 'dependency_up';

/**
 * `dependency_up{dependency="mongodb"|"redis"}`: 1 when this API replica reaches the dependency, 0 when it
 * does not, probed when Prometheus scrapes (the same pings as /health/deep, 1 s timeout each). It is the
 * application's own view — network path, credentials, TLS — so the RedisDown and MongoDBDown alerts work
 * where no exporter can run (managed Atlas / Redis), next to the exporters' redis_up / mongodb_up.
 * Register it after `http-metrics` (it writes to the process' registry): `await app.register(dependencyMetrics)`.
 */
export default fp(
  async (app) => {
    const { database, redis } = app.deps;
    if (app.metricsRegistry.getSingleMetric(DEPENDENCY_GAUGE_NAME)) return;
    new Gauge({
      name: DEPENDENCY_GAUGE_NAME,
      help: 'Whether this process reaches the dependency (1) or not (0), probed at scrape time',
      labelNames: ['dependency'],
      registers: [app.metricsRegistry],
      async collect() {
        const { checks } = await runChecks(
          {
            mongodb: { required: true, probe: () => database.ping() },
            redis: {
              required: true,
              probe: async () => {
                await redis.ping();
              },
            },
          },
          1000,
        );
        for (const [dependency, result] of Object.entries(checks)) {
          this.set({ dependency }, result.status === 'up' ? 1 : 0);
        }
      },
    });
  },
  { name: 'dependency-metrics', dependencies: ['deps', 'http-metrics'] },
);
