import { loadConfig } from '@simple-shop/config';
import { ObjectId, type EmailOutboxDoc } from '@simple-shop/db';
import { testEnv } from '@simple-shop/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerDependencies, type WorkerDependencies } from './deps';
import { workerMetricSources } from './metric-sources';
import { createWorkerMetrics, type WorkerMetrics } from './metrics';

/** The scrape-time gauges read real MongoDB and Redis: what an operator's alert sees. */
let deps: WorkerDependencies;
let metrics: WorkerMetrics;

beforeAll(async () => {
  deps = await createWorkerDependencies(loadConfig(testEnv()), pino({ level: 'silent' }));
  metrics = createWorkerMetrics(workerMetricSources(deps));
});
afterAll(async () => deps?.close());

const gauge = async (name: string) => {
  const text = await metrics.registry.metrics();
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(text)?.[1]);
};

const email = (status: EmailOutboxDoc['status']): EmailOutboxDoc => ({
  _id: `order_confirmation:${new ObjectId().toHexString()}`,
  kind: 'order_confirmation',
  to: 'c@example.test',
  subject: 'x',
  data: {},
  status,
  attempts: 0,
  createdAt: new Date(),
});

describe('worker metric sources', () => {
  it('email_outcome_unknown counts emails parked as unknown until an operator resolves them', async () => {
    expect(await gauge('email_outcome_unknown')).toBe(0);
    const parked = email('unknown');
    await deps.database.collections.emailOutbox.insertMany([parked, email('sent'), email('failed'), email('pending')]);
    expect(await gauge('email_outcome_unknown')).toBe(1);
    await deps.database.collections.emailOutbox.updateOne({ _id: parked._id }, { $set: { status: 'sent' } });
    expect(await gauge('email_outcome_unknown')).toBe(0);
  });

  it('dead_letter_size counts unresolved dead letters only', async () => {
    const failedAt = new Date();
    const letter = (eventId: string) => ({
      _id: new ObjectId(),
      eventId,
      type: 'x',
      error: 'boom',
      attempts: [],
      failedAt,
    });
    await deps.database.collections.failedWebhooks.insertMany([
      letter('evt_dead_open'),
      { ...letter('evt_dead_replayed'), resolvedAt: failedAt },
    ]);
    expect(await gauge('dead_letter_size')).toBe(1);
  });

  it('queue_depth reads the shared queues in Redis', async () => {
    await deps.queues.maintenance.add('heartbeat', { task: 'heartbeat', requestedAt: 'test' }, { delay: 60_000 });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^queue_depth\{[^}]*queue="maintenance"[^}]*state="delayed"[^}]*\} 1$/m);
  });
});
