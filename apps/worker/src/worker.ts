import { bullPrefix, createWorker, emailsQueue, maintenanceQueue, stripeEventsQueue } from '@simple-shop/queue';
import type { Queue, Worker } from 'bullmq';
import type { WorkerDependencies } from './deps';
import { createMailer } from './email/transport';
import { maintenanceHandler } from './jobs/maintenance';
import { sendEmailHandler } from './jobs/send-email';
import { stripeEventsHandler } from './jobs/stripe-events';
import type { WorkerMetrics } from './metrics';

export interface RunningWorkers {
  workers: Worker[];
  /** Producer handles for the same queues (for depth metrics and scheduling). */
  queues: Queue[];
  /** Waits for active jobs to finish (BullMQ's worker.close()); connections are the deps' to close. */
  close(): Promise<void>;
}

export function startWorkers(deps: WorkerDependencies, metrics: WorkerMetrics): RunningWorkers {
  const { config, redis, logger } = deps;
  const retry = { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS };
  // A crashed worker's active job is retried once its lock expires (BullMQ's stalled check).
  const options = {
    prefix: bullPrefix(config.REDIS_KEY_PREFIX),
    concurrency: config.QUEUE_CONCURRENCY,
    lockDuration: config.JOB_LOCK_MS,
    stalledInterval: Math.max(1000, Math.floor(config.JOB_LOCK_MS / 2)),
    maxStalledCount: 3,
  };

  const mailer = createMailer(config, logger);
  const workers: Worker[] = [
    createWorker(maintenanceQueue(retry), maintenanceHandler(deps, metrics), redis, options),
    createWorker(emailsQueue(retry), sendEmailHandler(deps, mailer), redis, options),
    createWorker(stripeEventsQueue(retry), stripeEventsHandler(deps, metrics), redis, options),
  ];

  for (const worker of workers) {
    worker.on('completed', (job) => {
      metrics.jobsTotal.inc({ queue: worker.name, outcome: 'completed' });
      if (job.processedOn && job.finishedOn)
        metrics.jobDuration.observe({ queue: worker.name }, (job.finishedOn - job.processedOn) / 1000);
    });
    worker.on('failed', (job, error) => {
      metrics.jobsTotal.inc({ queue: worker.name, outcome: 'failed' });
      // A job with attempts left was moved to `delayed` with the backoff BullMQ chose (`job.delay`):
      // logged, so the growing delays are visible (and checked by the tests) without measuring time.
      const retrying =
        job !== undefined &&
        error.name !== 'UnrecoverableError' &&
        job.attemptsMade < (job.opts.attempts ?? 1) &&
        job.delay > 0;
      logger.warn(
        {
          queue: worker.name,
          jobId: job?.id,
          attemptsMade: job?.attemptsMade,
          ...(retrying ? { retryInMs: job.delay } : {}),
          err: error,
        },
        'job failed',
      );
    });
    worker.on('error', (error) => logger.error({ queue: worker.name, err: error }, 'worker error'));
  }
  logger.info({ queues: workers.map((w) => w.name), concurrency: config.QUEUE_CONCURRENCY }, 'workers started');

  return {
    workers,
    queues: Object.values(deps.queues).map((q) => q.queue),
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      mailer.close();
    },
  };
}
