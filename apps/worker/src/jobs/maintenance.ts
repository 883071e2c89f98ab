import type { MaintenancePayload } from '@simple-shop/queue';
import type { Job } from 'bullmq';
import type { WorkerDependencies } from '../deps';
import type { WorkerMetrics } from '../metrics';
import { reconcile } from '../reconcile/reconcile';

/**
 * Maintenance tasks. `heartbeat` proves the pipeline end to end (API or cron → Redis → worker);
 * `reconcile` is the scheduled safety net (see reconcile/reconcile.ts).
 */
export function maintenanceHandler(deps: WorkerDependencies, metrics: WorkerMetrics) {
  return async (job: Job<MaintenancePayload>) => {
    const log = deps.logger.child({ queue: 'maintenance', jobId: job.id, correlationId: job.data.correlationId });
    switch (job.data.task) {
      case 'heartbeat': {
        const lagMs = Date.now() - Date.parse(job.data.requestedAt);
        log.info({ lagMs }, 'heartbeat processed');
        return { processedAt: new Date().toISOString(), lagMs, pid: process.pid };
      }
      case 'reconcile':
        return reconcile({ deps, metrics, log });
    }
  };
}
