/**
 * The worker's routing of Stripe events and its follow-up, run in this process (so mutation testing
 * sees it) against real MongoDB, Redis, BullMQ and a Stripe simulator of its own. Each event is one
 * the simulator created for what the shopper did; each test asserts what the handler returned, the
 * order, the queued email jobs, the product cache in Redis, the payment counters and the warnings.
 */
import { catalogKeys } from '@simple-shop/cache';
import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { endUnpaidOrder } from '@simple-shop/orders';
import { createStripeClient, type Stripe } from '@simple-shop/payments';
import { createAppQueues, emailJobId } from '@simple-shop/queue';
import type { StripeSimulator } from '@simple-shop/stripe-simulator';
import { productDoc, testDeps } from '@simple-shop/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerDependencies } from '../deps';
import { workerMetricSources } from '../metric-sources';
import { createWorkerMetrics, type WorkerMetrics } from '../metrics';
import { captureLogs, startReconcileHarness, orderWithSession as openOrder } from '../reconcile/reconcile.test-support';
import type { FulfilmentContext } from './context';
import { handleStripeEvent } from './handle-event';

let sim: StripeSimulator;
let deps: WorkerDependencies;
let stripe: Stripe;
/** A Redis client that was closed: every command (and BullMQ) is refused at once with "Connection is closed". */
let closed: Redis;

beforeAll(async () => {
  ({ sim, deps } = await startReconcileHarness('whsec_handle_event'));
  stripe = createStripeClient(deps.config)!;
  closed = new Redis(testDeps().redisUrl, { lazyConnect: true, retryStrategy: () => null });
  closed.disconnect();
  expect(closed.status).toBe('end');
});
afterAll(async () => {
  await deps?.close();
  await sim?.close();
});

const db = () => deps.database.collections;
const cacheKeys = () => catalogKeys(deps.config.REDIS_KEY_PREFIX);

/** A context with its own counters and a logger whose lines the test reads. */
function context(overrides: Partial<WorkerDependencies> = {}, correlationId?: string) {
  const { logger: log, lines } = captureLogs();
  const metrics = createWorkerMetrics(workerMetricSources(deps));
  const ctx: FulfilmentContext = {
    deps: { ...deps, logger: log, ...overrides },
    metrics,
    log,
    ...(correlationId ? { correlationId } : {}),
  };
  const warnings = () =>
    lines()
      .filter((l) => l.level === 40)
      .map((l) => l.msg);
  return { ctx, metrics, lines, warnings };
}

/** payments_total by outcome, and payments_success. */
async function paymentCounts(metrics: WorkerMetrics) {
  const total = (await metrics.paymentsTotal.get()).values.map((v) => [v.labels.outcome, v.value]);
  const success = (await metrics.paymentsSuccess.get()).values.map((v) => v.value);
  return { total: Object.fromEntries(total), success: success[0] ?? 0 };
}

async function product(stock: number): Promise<ProductDoc> {
  const doc = productDoc({ name: 'Routed lamp', description: '', price: 1500, stock, reserved: 0 });
  await db().products.insertOne(doc);
  return doc;
}

async function customer(): Promise<ObjectId> {
  const _id = new ObjectId();
  const now = new Date();
  await db().users.insertOne({
    _id,
    email: `buyer-${_id.toHexString()}@example.com`,
    name: 'Routed Buyer',
    role: 'customer',
    passwordHash: 'not-used',
    createdAt: now,
    updatedAt: now,
  });
  return _id;
}

const orderWithSession = async (p: ProductDoc, quantity: number) =>
  openOrder(deps, stripe, p, quantity, await customer());

/** The simulator's event of `type` about object `objectId`, as Stripe would deliver it. */
function eventOf(type: string, objectId: string): Stripe.Event {
  const found = sim.events().filter((e) => e.type === type && (e.data.object as { id?: string }).id === objectId);
  expect(found, `${type} for ${objectId}`).toHaveLength(1);
  return found[0] as unknown as Stripe.Event;
}

/** The same event with its object changed (what another delivery or API version could carry). */
function withObject(event: Stripe.Event, changes: Record<string, unknown>): Stripe.Event {
  // Spread as a plain record: spreading Stripe's union of every event object makes the compiler
  // build a type for each member (tsc never finished).
  const object: Record<string, unknown> = { ...(event.data.object as unknown as Record<string, unknown>), ...changes };
  return { ...event, data: { ...event.data, object } } as unknown as Stripe.Event;
}

const intentOf = (sessionId: string) => sim.sessions().find((s) => s.id === sessionId)!.payment_intent as string;
const status = async (id: ObjectId) => (await db().orders.findOne({ _id: id }))?.status;
const levels = async (id: ObjectId) => {
  const doc = await db().products.findOne({ _id: id });
  return { available: doc!.stock, reserved: doc!.reserved ?? 0 };
};

/** Marks the product's page as cached (generation 5) so the test sees whether it was invalidated. */
async function cacheProduct(id: ObjectId) {
  await deps.redis.set(cacheKeys().generation, '5');
  await deps.redis.set(cacheKeys().product(id.toHexString()), '{"cached":true}');
}
const cached = async (id: ObjectId) => ({
  generation: await deps.redis.get(cacheKeys().generation),
  product: await deps.redis.get(cacheKeys().product(id.toHexString())),
});

/** The queued email job of an outbox entry: [name, data]. */
async function emailJob(outboxId: string) {
  const job = await deps.queues.emails.queue.getJob(emailJobId(outboxId));
  return job ? [job.name, job.data] : null;
}

describe('paid sessions (checkout.session.completed / async_payment_succeeded)', () => {
  it('completed and paid: the order is paid, one succeeded payment counted, confirmation queued, cache left alone', async () => {
    const p = await product(5);
    const { order, sessionId } = await orderWithSession(p, 2);
    await sim.pay(sessionId);
    await cacheProduct(p._id);
    const { ctx, metrics, warnings } = context({}, 'corr-paid');

    const event = eventOf('checkout.session.completed', sessionId);
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'paid' });
    expect(await status(order._id)).toBe('paid');
    expect(await levels(p._id)).toEqual({ available: 3, reserved: 0 });
    expect(await paymentCounts(metrics)).toEqual({ total: { succeeded: 1 }, success: 1 });
    const outboxId = `order_confirmation:${order._id.toHexString()}`;
    expect(await emailJob(outboxId)).toEqual(['send', { outboxId, correlationId: 'corr-paid' }]);
    // The sold units came out of `reserved`, which shoppers do not see: no invalidation.
    expect(await cached(p._id)).toEqual({ generation: '5', product: '{"cached":true}' });

    // Delivered again: nothing more is counted.
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'already_paid' });
    expect(await paymentCounts(metrics)).toEqual({ total: { succeeded: 1 }, success: 1 });
    expect(warnings()).toEqual([]);
  });

  it('a delayed payment that succeeds later pays the order through async_payment_succeeded', async () => {
    const p = await product(4);
    const { order, sessionId } = await orderWithSession(p, 1);
    await sim.pay(sessionId, { async: true });
    const { ctx, metrics } = context();

    const started = eventOf('checkout.session.completed', sessionId);
    expect(await handleStripeEvent(ctx, started)).toEqual({ ignored: false, outcome: 'awaiting_payment' });
    expect(await status(order._id)).toBe('pending_payment');
    expect(await paymentCounts(metrics)).toEqual({ total: {}, success: 0 });

    await sim.completeAsyncPayment(sessionId, 'succeeded');
    const succeeded = eventOf('checkout.session.async_payment_succeeded', sessionId);
    expect(await handleStripeEvent(ctx, succeeded)).toEqual({ ignored: false, outcome: 'paid' });
    expect(await status(order._id)).toBe('paid');
    expect(await paymentCounts(metrics)).toEqual({ total: { succeeded: 1 }, success: 1 });
    const outboxId = `order_confirmation:${order._id.toHexString()}`;
    expect(await emailJob(outboxId)).toEqual(['send', { outboxId }]);
  });

  it('a paid amount that differs from the order: needs_review, counted once as amount_mismatch, no email', async () => {
    const p = await product(4);
    const { order, sessionId } = await orderWithSession(p, 1);
    await sim.pay(sessionId);
    const { ctx, metrics } = context();

    const event = withObject(eventOf('checkout.session.completed', sessionId), { amount_total: 1 });
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'amount_mismatch' });
    expect(await status(order._id)).toBe('needs_review');
    expect(await levels(p._id)).toEqual({ available: 3, reserved: 1 });
    expect(await paymentCounts(metrics)).toEqual({ total: { amount_mismatch: 1 }, success: 0 });
    expect(await db().emailOutbox.countDocuments({ subjectId: order._id.toHexString() })).toBe(0);

    // Again: the order is already under review, which is not another mismatch.
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'not_payable' });
    expect(await paymentCounts(metrics)).toEqual({ total: { amount_mismatch: 1 }, success: 0 });
  });

  it('paid after its reservation lapsed and the units sold: refunded, counted as refunded_out_of_stock', async () => {
    const p = await product(2);
    const { order, sessionId } = await orderWithSession(p, 2);
    const { ctx, metrics } = context();
    // The order ends unpaid on our side first (its units go back on sale), then someone else buys them.
    expect((await endUnpaidOrder(deps.database, order._id, 'expired', 'test: lapsed'))?.order.status).toBe('expired');
    expect(await levels(p._id)).toEqual({ available: 2, reserved: 0 });
    await db().products.updateOne({ _id: p._id }, { $set: { stock: 0 } });
    await sim.pay(sessionId);

    const event = eventOf('checkout.session.completed', sessionId);
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'refunded_out_of_stock' });
    expect(await status(order._id)).toBe('refunded');
    expect(sim.refunds().map((r) => [r.payment_intent, r.amount])).toContainEqual([intentOf(sessionId), 3000]);
    expect(await paymentCounts(metrics)).toEqual({ total: { refunded_out_of_stock: 1 }, success: 0 });
  });
});

describe('failed payments (payment_intent.payment_failed / async_payment_failed)', () => {
  it("a declined card: payment_failed with the bank's message, counted once, one email queued, the units back on sale", async () => {
    const p = await product(5);
    const { order, sessionId } = await orderWithSession(p, 2);
    await cacheProduct(p._id);
    await sim.decline(sessionId);
    const { ctx, metrics, warnings } = context({}, 'corr-declined');

    const event = eventOf('payment_intent.payment_failed', intentOf(sessionId));
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'failed' });
    expect(await status(order._id)).toBe('payment_failed');
    expect(await levels(p._id)).toEqual({ available: 5, reserved: 0 });
    const outboxId = `payment_failed:${order._id.toHexString()}`;
    expect((await db().emailOutbox.findOne({ _id: outboxId }))?.data).toMatchObject({
      reason: 'Your card was declined.',
    });
    expect(await emailJob(outboxId)).toEqual(['send', { outboxId, correlationId: 'corr-declined' }]);
    expect(await paymentCounts(metrics)).toEqual({ total: { failed: 1 }, success: 0 });
    // The released units changed what shoppers see: the product and every page are invalidated.
    expect(await cached(p._id)).toEqual({ generation: '6', product: null });

    // Delivered again: the order has already failed; nothing more is counted, emailed or invalidated.
    await cacheProduct(p._id);
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'unchanged' });
    expect(await paymentCounts(metrics)).toEqual({ total: { failed: 1 }, success: 0 });
    expect(await db().emailOutbox.countDocuments({ subjectId: order._id.toHexString() })).toBe(1);
    expect(await cached(p._id)).toEqual({ generation: '5', product: '{"cached":true}' });
    expect(warnings()).toEqual([]);
  });

  it('a decline without an error message gives the generic reason', async () => {
    const p = await product(3);
    const { order, sessionId } = await orderWithSession(p, 1);
    await sim.decline(sessionId);
    const { ctx } = context();

    const event = withObject(eventOf('payment_intent.payment_failed', intentOf(sessionId)), {
      last_payment_error: null,
    });
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'failed' });
    expect((await db().emailOutbox.findOne({ _id: `payment_failed:${order._id.toHexString()}` }))?.data).toMatchObject({
      reason: 'the payment was declined',
    });
  });

  it('a failed bank transfer (async_payment_failed): payment_failed for that reason, units released', async () => {
    const p = await product(3);
    const { order, sessionId } = await orderWithSession(p, 1);
    await sim.pay(sessionId, { async: true });
    await sim.completeAsyncPayment(sessionId, 'failed');
    const { ctx, metrics } = context();

    const event = eventOf('checkout.session.async_payment_failed', sessionId);
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'failed' });
    expect(await status(order._id)).toBe('payment_failed');
    expect(await levels(p._id)).toEqual({ available: 3, reserved: 0 });
    const outboxId = `payment_failed:${order._id.toHexString()}`;
    expect((await db().emailOutbox.findOne({ _id: outboxId }))?.data).toMatchObject({
      reason: 'the bank transfer failed',
    });
    expect(await emailJob(outboxId)).toEqual(['send', { outboxId }]);
    expect(await paymentCounts(metrics)).toEqual({ total: { failed: 1 }, success: 0 });
  });

  it.each([
    ['no orderId in its metadata', {}],
    ['an orderId that is not an id', { orderId: 'order-42' }],
    ['an id with something before it', { orderId: `x${new ObjectId().toHexString()}` }],
    ['an id with something after it', { orderId: `${new ObjectId().toHexString()}x` }],
  ])('a declined payment with %s is ignored: no order reference, nothing written', async (_, metadata) => {
    const before = await db().orders.countDocuments();
    const { ctx, metrics } = context();
    const event = {
      id: `evt_${new ObjectId().toHexString()}`,
      object: 'event',
      type: 'payment_intent.payment_failed',
      created: 1_800_000_000,
      data: { object: { object: 'payment_intent', id: 'pi_not_ours', metadata, last_payment_error: null } },
    } as unknown as Stripe.Event;
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: true, outcome: 'no_order_reference' });
    expect(await db().orders.countDocuments()).toBe(before);
    expect(await paymentCounts(metrics)).toEqual({ total: {}, success: 0 });
  });
});

describe('expired sessions and other events', () => {
  it('an expired session: the order expires, its units go back on sale, the cached product is invalidated', async () => {
    const p = await product(4);
    const { order, sessionId } = await orderWithSession(p, 3);
    await cacheProduct(p._id);
    await sim.expireSession(sessionId);
    const { ctx, metrics, warnings } = context();

    const event = eventOf('checkout.session.expired', sessionId);
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'expired' });
    expect(await status(order._id)).toBe('expired');
    expect(await levels(p._id)).toEqual({ available: 4, reserved: 0 });
    expect(await cached(p._id)).toEqual({ generation: '6', product: null });
    expect(await paymentCounts(metrics)).toEqual({ total: {}, success: 0 });
    expect(warnings()).toEqual([]);
  });

  it('an event type the shop does not handle is ignored and changes nothing', async () => {
    const p = await product(2);
    const { order } = await orderWithSession(p, 1);
    const { ctx, metrics } = context();
    const event = {
      id: `evt_${new ObjectId().toHexString()}`,
      object: 'event',
      type: 'customer.created',
      created: 1_800_000_000,
      data: { object: { object: 'customer', id: 'cus_1', metadata: { orderId: order._id.toHexString() } } },
    } as unknown as Stripe.Event;
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: true, outcome: 'ignored' });
    expect(await status(order._id)).toBe('pending_payment');
    expect(await levels(p._id)).toEqual({ available: 1, reserved: 1 });
    expect(await paymentCounts(metrics)).toEqual({ total: {}, success: 0 });
  });
});

describe('follow-up while Redis is unavailable: the outcome stands, a warning says what was not done', () => {
  it('the product cache cannot be invalidated: the order still expires, one warning', async () => {
    const p = await product(4);
    const { order, sessionId } = await orderWithSession(p, 1);
    await cacheProduct(p._id);
    await sim.expireSession(sessionId);
    const { ctx, warnings } = context({ cacheRedis: closed });

    const event = eventOf('checkout.session.expired', sessionId);
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'expired' });
    expect(await status(order._id)).toBe('expired');
    expect(await levels(p._id)).toEqual({ available: 4, reserved: 0 });
    expect(warnings()).toEqual(['product cache not invalidated after a stock change (Redis unavailable)']);
    // The shop's own Redis was not the one to tell: its copy stays until its TTL.
    expect(await cached(p._id)).toEqual({ generation: '5', product: '{"cached":true}' });
  });

  it('the email cannot be queued: the order still fails, the email stays pending for reconciliation, one warning', async () => {
    const p = await product(3);
    const { order, sessionId } = await orderWithSession(p, 1);
    await sim.decline(sessionId);
    const queues = createAppQueues(closed, {
      keyPrefix: deps.config.REDIS_KEY_PREFIX,
      retry: { attempts: 1, backoffMs: 10 },
    });
    const { ctx, lines } = context({ queues });

    const event = eventOf('payment_intent.payment_failed', intentOf(sessionId));
    expect(await handleStripeEvent(ctx, event)).toEqual({ ignored: false, outcome: 'failed' });
    expect(await status(order._id)).toBe('payment_failed');
    const outboxId = `payment_failed:${order._id.toHexString()}`;
    expect((await db().emailOutbox.findOne({ _id: outboxId }))?.status).toBe('pending');
    expect(await emailJob(outboxId)).toBeNull();
    expect(
      lines()
        .filter((l) => l.level === 40)
        .map((l) => [l.msg, l.outboxId]),
    ).toEqual([['email recorded but not queued; reconciliation will queue it', outboxId]]);
  });
});
