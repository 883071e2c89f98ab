import type { Logger } from '@simple-shop/observability';
import type { WorkerDependencies } from '../deps';
import type { WorkerMetrics } from '../metrics';

/** What a fulfilment step needs: the worker's connections, its metrics and a scoped logger. */
export interface FulfilmentContext {
  deps: WorkerDependencies;
  metrics: WorkerMetrics;
  log: Logger;
  correlationId?: string;
}
