import { bullPrefix, createQueue, createWorker, maintenanceQueue } from '@simple-shop/queue';
import type { Queue, Worker } from 'bullmq';
import type { WorkerDependencies } from './deps';
import { maintenanceHandler } from './jobs/maintenance';
import type { WorkerMetrics } from './metrics';

export interface RunningWorkers {
  workers: Worker[];
  /** Producer handles for the same queues (for depth metrics and scheduling). */
  queues: Queue[];
  /** Waits for active jobs to finish (BullMQ's worker.close()), then releases the queues. */
  close(): Promise<void>;
}

export function startWorkers(deps: WorkerDependencies, metrics: WorkerMetrics): RunningWorkers {
  const { config, redis, logger } = deps;
  const prefix = bullPrefix(config.REDIS_KEY_PREFIX);
  const retry = { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS };

  const maintenance = maintenanceQueue(retry);
  const workers: Worker[] = [
    createWorker(maintenance, maintenanceHandler(deps), redis, { prefix, concurrency: config.QUEUE_CONCURRENCY }),
  ];
  const queues = [createQueue(maintenance, redis, prefix).queue];

  for (const worker of workers) {
    worker.on('completed', (job) => {
      metrics.jobsTotal.inc({ queue: worker.name, outcome: 'completed' });
      if (job.processedOn && job.finishedOn)
        metrics.jobDuration.observe({ queue: worker.name }, (job.finishedOn - job.processedOn) / 1000);
    });
    worker.on('failed', (job, error) => {
      metrics.jobsTotal.inc({ queue: worker.name, outcome: 'failed' });
      logger.warn({ queue: worker.name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: error }, 'job failed');
    });
    worker.on('error', (error) => logger.error({ queue: worker.name, err: error }, 'worker error'));
  }
  logger.info({ queues: workers.map((w) => w.name), concurrency: config.QUEUE_CONCURRENCY }, 'workers started');

  return {
    workers,
    queues,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
