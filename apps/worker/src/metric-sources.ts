import type { MetricSources } from './metrics';
import type { WorkerDependencies } from './deps';

/** Where the worker's scrape-time gauges read their values: the queues in Redis and two MongoDB counts. */
export function workerMetricSources(deps: Pick<WorkerDependencies, 'queues' | 'database'>): MetricSources {
  const { failedWebhooks, emailOutbox } = deps.database.collections;
  return {
    queues: () => Object.values(deps.queues).map((q) => q.queue),
    deadLetters: () => failedWebhooks.countDocuments({ resolvedAt: { $exists: false } }),
    unknownEmails: () => emailOutbox.countDocuments({ status: 'unknown' }),
    transactions: () => deps.database.transaction.stats,
  };
}
