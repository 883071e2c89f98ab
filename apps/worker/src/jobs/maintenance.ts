import type { MaintenancePayload } from '@simple-shop/queue';
import type { Job } from 'bullmq';
import type { WorkerDependencies } from '../deps';

/** Maintenance tasks. `heartbeat` proves the pipeline end to end (API or cron → Redis → worker). */
export function maintenanceHandler(deps: Pick<WorkerDependencies, 'logger'>) {
  return async (job: Job<MaintenancePayload>) => {
    switch (job.data.task) {
      case 'heartbeat': {
        const lagMs = Date.now() - Date.parse(job.data.requestedAt);
        deps.logger.info({ jobId: job.id, correlationId: job.data.correlationId, lagMs }, 'heartbeat processed');
        return { processedAt: new Date().toISOString(), lagMs, pid: process.pid };
      }
    }
  };
}
