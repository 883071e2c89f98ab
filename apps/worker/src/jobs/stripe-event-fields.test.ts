import { loadConfig } from '@simple-shop/config';
import { ObjectId } from '@simple-shop/db';
import { loggerOptions } from '@simple-shop/observability';
import {
  checkoutSessionParams,
  createStripeClient,
  HANDLED_EVENT_TYPES,
  STRIPE_API_VERSION,
  type Stripe,
} from '@simple-shop/payments';
import { bullPrefix, createQueue, createWorker, stripeEventsQueue } from '@simple-shop/queue';
import { startStripeSimulator, type StripeEvent, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { testEnv, waitFor } from '@simple-shop/testing';
import type { Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerDependencies, type WorkerDependencies } from '../deps';
import { handleStripeEvent } from '../fulfilment/handle-event';
import { workerMetricSources } from '../metric-sources';
import { createWorkerMetrics, type WorkerMetrics } from '../metrics';
import { readStoredEvent } from './stripe-event-payload';
import { stripeEventsHandler } from './stripe-events';

/**
 * The worker against the events Stripe really sends: the shop's own session parameters go through
 * the shop's Stripe client to the simulator (whose objects are the SDK's types, with metadata
 * copied the way Stripe copies it), and every handled event it produces is run through the
 * worker's handlers with a recorder on the payload. A handler that reads a field the payload does
 * not carry (such as the session's `userId` metadata on a PaymentIntent or charge, which Stripe
 * does not copy there) fails this test.
 */
const lines: string[] = [];
const logger = pino(loggerOptions({ service: 'worker', level: 'info' }), { write: (l: string) => void lines.push(l) });
let sim: StripeSimulator;
let stripe: Stripe;
let deps: WorkerDependencies;
let metrics: WorkerMetrics;
const workers: Worker[] = [];

beforeAll(async () => {
  sim = await startStripeSimulator({ webhookSecret: 'whsec_fields_test' });
  const config = loadConfig(testEnv({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_API_BASE: sim.url }));
  stripe = createStripeClient(config)!;
  deps = await createWorkerDependencies(config, logger);
  metrics = createWorkerMetrics(workerMetricSources(deps));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await deps?.close();
  await sim?.close();
});

/** A session for an order that is not in the database: the handlers read the event, then find nothing to change. */
async function sessionForUnknownOrder(): Promise<string> {
  const order = {
    _id: new ObjectId(),
    userId: new ObjectId(),
    currency: 'usd',
    items: [{ productId: new ObjectId(), name: 'Mug', unitPrice: 1250, quantity: 2 }],
  };
  const params = checkoutSessionParams(order as Parameters<typeof checkoutSessionParams>[0], {
    successUrl: 'http://shop.test/ok',
    cancelUrl: 'http://shop.test/cancel',
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return (await stripe.checkout.sessions.create(params)).id;
}

/** Wraps a JSON value so that every read of a key the object does not have is recorded. */
function recordMissingReads<T extends object>(value: T, path: string, missing: Set<string>): T {
  return new Proxy(value, {
    get(target, key, receiver) {
      const result: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || key === 'toJSON' || key === 'then') return result;
      if (!Array.isArray(target) && !(key in target)) missing.add(`${path}.${key}`);
      return typeof result === 'object' && result !== null
        ? recordMissingReads(result, `${path}.${key}`, missing)
        : result;
    },
  });
}

describe('the handlers read only what Stripe sends', () => {
  it('every handled event of every flow carries each field its handler reads', async () => {
    const paid = await sessionForUnknownOrder();
    await sim.pay(paid);
    const declined = await sessionForUnknownOrder();
    await sim.decline(declined);
    const expired = await sessionForUnknownOrder();
    await sim.decline(expired);
    await stripe.checkout.sessions.expire(expired);
    const asyncPaid = await sessionForUnknownOrder();
    await sim.pay(asyncPaid, { async: true });
    await sim.completeAsyncPayment(asyncPaid, 'succeeded');
    const asyncFailed = await sessionForUnknownOrder();
    await sim.pay(asyncFailed, { async: true });
    await sim.completeAsyncPayment(asyncFailed, 'failed');
    const { payment_intent } = await stripe.checkout.sessions.retrieve(paid);
    await stripe.refunds.create({ payment_intent: payment_intent as string });

    const handled = sim.events().filter((e) => (HANDLED_EVENT_TYPES as readonly string[]).includes(e.type));
    expect(new Set(handled.map((e) => e.type))).toEqual(new Set(HANDLED_EVENT_TYPES));
    for (const sent of handled) {
      const { event, pinnedVersion } = readStoredEvent(sent.id, JSON.stringify(sent));
      expect(pinnedVersion).toBe(true);
      const missing = new Set<string>();
      const watched = { ...event, data: recordMissingReads(event.data, 'data', missing) } as Stripe.Event;
      await handleStripeEvent({ deps, metrics, log: logger }, watched).catch((error: unknown) => {
        // The order does not exist, so completion stops at loading it; every read before counts.
        expect(String(error)).toMatch(/order [0-9a-f]{24} not found/);
      });
      expect([...missing], `${event.type} reads fields Stripe does not send`).toEqual([]);
    }
  });
});

describe('events of another API version', () => {
  const oldVersion = '2025-09-30.clover';

  /** Stores a verified event the way the API does and runs the real stripe-events job on it. */
  async function processStored(name: string, event: Record<string, unknown>) {
    const eventId = String(event.id);
    await deps.database.collections.webhookEvents.insertOne({
      _id: eventId,
      type: String(event.type),
      payload: JSON.stringify(event),
      status: 'queued',
      attempts: 0,
      receivedAt: new Date(),
      expiresAt: new Date(Date.now() + 3600_000),
    });
    const definition = stripeEventsQueue({ attempts: 1, backoffMs: 10 });
    const prefix = `${bullPrefix(deps.config.REDIS_KEY_PREFIX)}-${name}`;
    const queue = createQueue(definition, deps.redis, prefix);
    workers.push(createWorker(definition, stripeEventsHandler(deps, metrics), deps.redis, { prefix }));
    const job = await queue.add('webhook', { kind: 'webhook', eventId, type: String(event.type) });
    return waitFor(
      async () => {
        const state = await job.getState();
        expect(['completed', 'failed']).toContain(state);
        return { state, record: await deps.database.collections.webhookEvents.findOne({ _id: eventId }) };
      },
      { timeoutMs: 10_000 },
    );
  }

  const mismatches = async () =>
    (await metrics.eventApiVersionMismatch.get()).values.find((v) => v.labels.api_version === oldVersion)?.value ?? 0;

  it('are processed when the fields the worker reads are there, counted and logged', async () => {
    const session = await sessionForUnknownOrder();
    await sim.expireSession(session);
    const sent = sim.events().find((e) => e.type === 'checkout.session.expired' && e.data.object.id === session)!;
    const before = await mismatches();

    const { state, record } = await processStored('old-version-ok', { ...sent, api_version: oldVersion });

    expect(state).toBe('completed');
    expect(record).toMatchObject({ status: 'processed', outcome: 'unchanged' });
    expect(await mismatches()).toBe(before + 1);
    const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.eventId === sent.id);
    expect(warning).toMatchObject({ level: 'warn', apiVersion: oldVersion, pinnedApiVersion: STRIPE_API_VERSION });
  });

  it('are parked as failed, naming the field, when a field the worker reads is missing', async () => {
    const session = await sessionForUnknownOrder();
    await sim.pay(session);
    const { payment_intent } = await stripe.checkout.sessions.retrieve(session);
    await stripe.refunds.create({ payment_intent: payment_intent as string });
    const sent = sim
      .events()
      .find(
        (e): e is Extract<StripeEvent, { type: 'charge.refunded' }> =>
          e.type === 'charge.refunded' && e.data.object.payment_intent === payment_intent,
      )!;
    const { refunded: _dropped, ...chargeWithoutRefunded } = sent.data.object;

    const { state, record } = await processStored('old-version-missing', {
      ...sent,
      api_version: oldVersion,
      data: { object: chargeWithoutRefunded },
    });

    expect(state).toBe('failed');
    expect(record?.status).toBe('failed');
    expect(record?.lastError).toMatch(/charge\.refunded, API version 2025-09-30\.clover\) lacks a field.*refunded/);
  });
});

describe('readStoredEvent', () => {
  it('refuses payloads that are not Stripe events', () => {
    expect(() => readStoredEvent('evt_1', 'not json')).toThrow(/not JSON/);
    expect(() => readStoredEvent('evt_1', JSON.stringify({ id: 'evt_1', type: 'x' }))).toThrow(/not a Stripe event/);
  });

  it('reads an event without api_version (or of a type it does not handle) as another version, not as broken', () => {
    const event = { id: 'evt_2', type: 'customer.created', created: 1, data: { object: { id: 'cus_1' } } };
    expect(readStoredEvent('evt_2', JSON.stringify(event))).toMatchObject({ apiVersion: null, pinnedVersion: false });
  });
});
