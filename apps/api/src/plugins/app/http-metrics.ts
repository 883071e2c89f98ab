import { createHttpMetrics, createMetricsRegistry } from '@simple-shop/observability';
import fp from 'fastify-plugin';

/**
 * `http_request_duration_seconds` and `http_request_total`, labelled by the route *pattern*
 * (`/api/products/:id`), never the raw URL, so label cardinality stays bounded.
 */
export default fp(
  async (app) => {
    const registry = createMetricsRegistry(
      app.deps.config.serviceName === 'simple-shop' ? 'api' : app.deps.config.serviceName,
    );
    const metrics = createHttpMetrics(registry);
    app.decorate('metricsRegistry', registry);
    app.decorate('httpMetrics', metrics);

    // A callback hook, not an async one: no promise per request.
    app.addHook('onResponse', (request, reply, done) => {
      const labels = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      };
      metrics.total.inc(labels);
      metrics.duration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'http-metrics', dependencies: ['deps'] },
);
