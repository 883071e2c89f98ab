import { Counter, Gauge, Histogram, createMetricsRegistry, type Registry } from '@simple-shop/observability';
import type { Queue } from 'bullmq';

export interface WorkerMetrics {
  registry: Registry;
  jobsTotal: Counter<'queue' | 'outcome'>;
  jobDuration: Histogram<'queue'>;
}

/**
 * Worker-side metrics. Queue depth is read from Redis at scrape time (not kept in memory), so
 * every worker replica reports the same truth and the HPA can scale on it.
 */
export function createWorkerMetrics(queues: () => Queue[]): WorkerMetrics {
  const registry = createMetricsRegistry('worker');
  const jobsTotal = new Counter({
    name: 'jobs_processed_total',
    help: 'Jobs finished by this worker, by queue and outcome (completed, failed)',
    labelNames: ['queue', 'outcome'],
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'job_duration_seconds',
    help: 'Time spent processing a job, by queue',
    labelNames: ['queue'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'queue_depth',
    help: 'Jobs in each queue by state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues().map(async (queue) => {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
          for (const [state, count] of Object.entries(counts)) this.set({ queue: queue.name, state }, count);
        }),
      ).catch(() => undefined); // Redis down: report no depth rather than fail the whole scrape
    },
  });
  return { registry, jobsTotal, jobDuration };
}
