/**
 * Webhook ingest when MongoDB cannot be reached: the event cannot be recorded, so the answer must be
 * a 5xx (Stripe then retries it) and nothing may be queued, since a job for an event that was never
 * recorded would be dead-lettered by the worker. The outage is the app's MongoDB client closed under
 * the running API: every command fails at once, as when no server can be selected (the same
 * `isDatabaseUnavailable` path), without depending on how fast a driver notices a stopped server.
 */
import { webhookJobId } from '@simple-shop/queue';
import { signPayload } from '@simple-shop/stripe-simulator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_WEBHOOK_SECRET } from '../../../app.test-support';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET });
});
afterAll(async () => {
  await app?.close();
});

function event(id: string) {
  const payload = JSON.stringify({
    id,
    object: 'event',
    type: 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000),
    api_version: '2026-10-28.endive',
    data: { object: { object: 'checkout.session', id: `cs_test_${id}` } },
  });
  return () =>
    app.inject({
      method: 'POST',
      url: '/api/payments/webhook',
      headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, TEST_WEBHOOK_SECRET) },
      payload,
    });
}

const jobCount = async () =>
  Object.values(await app.deps.queues.stripeEvents.queue.getJobCounts('waiting', 'delayed', 'active', 'paused')).reduce(
    (a, b) => a + b,
    0,
  );

describe('webhook ingest while MongoDB cannot be reached', () => {
  it('answers 503 DATABASE_UNAVAILABLE (Stripe retries) and queues nothing', async () => {
    const before = event('evt_outage_before');
    expect((await before()).json()).toEqual({ received: true, duplicate: false });
    expect(await app.deps.queues.stripeEvents.queue.getJob(webhookJobId('evt_outage_before'))).toBeTruthy();
    expect(await jobCount()).toBe(1);

    await app.deps.database.client.close();
    const refused = await event('evt_outage_during')();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json()).toEqual({
      error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is temporarily unavailable; retry shortly' },
    });
    expect(await app.deps.queues.stripeEvents.queue.getJob(webhookJobId('evt_outage_during'))).toBeUndefined();
    expect(await jobCount()).toBe(1);
    // A duplicate delivery of the recorded event cannot be checked either: 503 again, nothing queued.
    const duplicate = await before();
    expect([duplicate.statusCode, duplicate.json().error.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
    expect(await jobCount()).toBe(1);
  });
});
