/**
 * Webhook ingest while MongoDB is down, against a MongoDB this file owns (its own stand-in process,
 * stopped under the running API): the event cannot be recorded, so the answer must be a 5xx (Stripe
 * then retries it) and nothing may be queued, since a job for an event that was never recorded
 * would be dead-lettered by the worker. Once the database is back, Stripe's retry is accepted.
 */
import { createServer, type Server } from 'node:net';
import { webhookJobId } from '@simple-shop/queue';
import { signPayload } from '@simple-shop/stripe-simulator';
import { freePort, startJongodb, testConfig, type StartedJongodb } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../app';
import { TEST_WEBHOOK_SECRET } from '../../../app.test-support';

let port: number;
let mongo: StartedJongodb | undefined;
let app: FastifyInstance;

beforeAll(async () => {
  port = await freePort();
  mongo = await startJongodb({ port });
  app = await buildApp({
    config: testConfig({
      MONGODB_URI: mongo.uri,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300',
      STRIPE_SECRET_KEY: 'sk_test_simulator',
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    }),
  });
});
afterAll(async () => {
  await app?.close();
  await mongo?.stop();
});

/** A listener on `port` that drops every connection. */
async function closedDoor(on: number): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(on, '127.0.0.1', resolve);
  });
  return server;
}

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

describe('webhook ingest while MongoDB is down', () => {
  it('answers 503 (Stripe retries), queues nothing, and accepts the retry once MongoDB is back', async () => {
    const before = event('evt_outage_before');
    expect((await before()).json()).toEqual({ received: true, duplicate: false });
    expect(await app.deps.queues.stripeEvents.queue.getJob(webhookJobId('evt_outage_before'))).toBeTruthy();
    expect(await jobCount()).toBe(1);

    await mongo!.stop();
    mongo = undefined;
    // Keep the port: connections are refused at once (as a stopped server's are), and no other
    // process of a parallel test run can take the port and leave the driver waiting for an answer.
    const door = await closedDoor(port);
    const during = event('evt_outage_during');
    const refused = await during();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.json().error.code).toBe('DATABASE_UNAVAILABLE');
    expect(await app.deps.queues.stripeEvents.queue.getJob(webhookJobId('evt_outage_during'))).toBeUndefined();
    expect(await jobCount()).toBe(1);

    // The same address again (a new primary after an election); Stripe delivers the event again.
    await new Promise((resolve) => door.close(resolve));
    mongo = await startJongodb({ port });
    const retried = await during();
    expect([retried.statusCode, retried.json()]).toEqual([200, { received: true, duplicate: false }]);
    expect(await app.deps.database.collections.webhookEvents.findOne({ _id: 'evt_outage_during' })).toMatchObject({
      status: 'queued',
      type: 'checkout.session.completed',
    });
    expect(await app.deps.queues.stripeEvents.queue.getJob(webhookJobId('evt_outage_during'))).toBeTruthy();
    expect(await jobCount()).toBe(2);
  });
});
