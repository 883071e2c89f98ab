import { Counter, Gauge, Histogram, createMetricsRegistry, type Registry } from '@simple-shop/observability';
import type { TransactionStats } from '@simple-shop/db';
import type { Queue } from 'bullmq';

export interface WorkerMetrics {
  registry: Registry;
  jobsTotal: Counter<'queue' | 'outcome'>;
  jobDuration: Histogram<'queue'>;
  paymentsTotal: Counter<'outcome'>;
  paymentsSuccess: Counter;
  webhookEvents: Counter<'result'>;
  eventAge: Histogram<'type'>;
  sweepItems: Counter<'sweep' | 'result'>;
  eventApiVersionMismatch: Counter<'api_version'>;
}

export interface MetricSources {
  queues: () => Queue[];
  /** Unresolved dead letters (read at scrape time from MongoDB). */
  deadLetters: () => Promise<number>;
  /** Outbox emails parked as outcome unknown and not yet checked by an operator. */
  unknownEmails: () => Promise<number>;
  /** This process' transaction counts (how often write conflicts made MongoDB retry one). */
  transactions: () => TransactionStats;
}

/**
 * Worker-side metrics. Queue depth and dead letters are read at scrape time (not kept in
 * memory), so every worker replica reports the same truth and the HPA can scale on it.
 */
export function createWorkerMetrics(sources: MetricSources): WorkerMetrics {
  const registry = createMetricsRegistry('worker');
  const registers = [registry];
  new Gauge({
    name: 'queue_depth',
    help: 'Jobs in each queue by state (waiting, active, delayed, failed)',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      this.reset();
      await Promise.all(
        sources.queues().map(async (queue) => {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
          for (const [state, count] of Object.entries(counts)) this.set({ queue: queue.name, state }, count);
        }),
      ).catch(() => undefined); // Redis down: report no depth rather than fail the whole scrape
    },
  });
  // Both are read from MongoDB at scrape time; if MongoDB is down they keep their last value (the
  // database alert covers the outage).
  countGauge(
    registry,
    'dead_letter_size',
    sources.deadLetters,
    'Stripe events that exhausted their retries and wait for an operator (failed-webhooks, unresolved)',
  );
  // Emails are sent at most once: a worker that died between SMTP and recording leaves a claim that is
  // parked as `unknown` rather than re-sent. Each one needs a person (docs/runbooks.md#emailoutcomeunknown),
  // so this is a level that stays up until they resolve it, not a counter that decays.
  countGauge(
    registry,
    'email_outcome_unknown',
    sources.unknownEmails,
    'Emails whose delivery is unknown (worker stopped mid-send; not re-sent), awaiting an operator',
  );
  // Write conflicts restart a whole transaction: on a real replica set these show whether any
  // document written in one is contended (the inventory model keeps products out of them).
  countGauge(registry, 'mongodb_transactions_total', async () => sources.transactions().transactions, 'Transactions this process ran');
  countGauge(
    registry,
    'mongodb_transaction_retries_total',
    async () => sources.transactions().retries,
    'Transaction callbacks re-run after a transient error (write conflict); should stay near 0',
  );
  countGauge(
    registry,
    'mongodb_transaction_max_attempts',
    async () => sources.transactions().maxAttempts,
    'The most attempts one transaction of this process needed',
  );
  return {
    registry,
    jobsTotal: new Counter({
      name: 'jobs_processed_total',
      help: 'Jobs finished by this worker, by queue and outcome (completed, failed)',
      labelNames: ['queue', 'outcome'],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'job_duration_seconds',
      help: 'Time spent processing a job, by queue',
      labelNames: ['queue'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    paymentsTotal: new Counter({
      name: 'payments_total',
      help: 'Payment outcomes: succeeded, failed, amount_mismatch, refunded_out_of_stock',
      labelNames: ['outcome'],
      registers,
    }),
    paymentsSuccess: new Counter({ name: 'payments_success', help: 'Payments that completed an order', registers }),
    webhookEvents: new Counter({
      name: 'webhook_events_total',
      help: 'Stripe events processed by the worker, by result (processed, ignored, duplicate, failed, dead_lettered)',
      labelNames: ['result'],
      registers,
    }),
    eventAge: new Histogram({
      name: 'webhook_event_age_seconds',
      help: 'Age of a Stripe event when the worker processed it (Stripe created → processed)',
      labelNames: ['type'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    }),
    sweepItems: new Counter({
      name: 'reconcile_items_total',
      help: 'Documents reconciliation looked at, by sweep and result (unchanged, changed, failed)',
      labelNames: ['sweep', 'result'],
      registers,
    }),
    eventApiVersionMismatch: new Counter({
      name: 'webhook_event_api_version_mismatch_total',
      help: 'Stripe events rendered in another API version than the pinned one, by that version (docs/operations.md#stripe-api-version)',
      labelNames: ['api_version'],
      registers,
    }),
  };
}

/** A gauge set at scrape time from a count; a failed read keeps the last value. */
function countGauge(registry: Registry, name: string, read: () => Promise<number>, help: string): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      try {
        this.set(await read());
      } catch {
        // keep the last value
      }
    },
  });
}
