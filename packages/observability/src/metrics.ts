import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process (not prom-client's global), so tests can build many apps in one
 * process without "metric already registered" clashes, and API and worker expose their own.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export interface HttpMetrics {
  duration: Histogram<'method' | 'route' | 'status_code'>;
  total: Counter<'method' | 'route' | 'status_code'>;
}

/** Names match the dashboards operators already use. `route` is the pattern, never the raw URL. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    total: new Counter({
      name: 'http_request_total',
      help: 'HTTP requests, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    }),
  };
}

export { Registry, Counter, Gauge, Histogram } from 'prom-client';
