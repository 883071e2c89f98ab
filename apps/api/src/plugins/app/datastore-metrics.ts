import { createDatastoreMetrics } from '@simple-shop/observability';
import fp from 'fastify-plugin';

/** Counts this API process's MongoDB and Redis commands into its /metrics. */
export default fp(
  async (app) => {
    const metrics = createDatastoreMetrics(app.metricsRegistry);
    metrics.watchMongo(app.deps.database.client);
    metrics.watchRedis(app.deps.redis);
  },
  { name: 'datastore-metrics', dependencies: ['http-metrics'] },
);
