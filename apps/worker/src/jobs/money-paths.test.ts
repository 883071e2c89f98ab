/**
 * Money paths that start at Stripe, end to end: the Stripe simulator sends signed webhooks to a real
 * API process (verify, record, queue); a worker running in this process (real BullMQ, MongoDB
 * protocol, SMTP catcher) processes them. Each test waits for the observable end (the event's
 * recorded status, the job's state) and then asserts the whole end state: order, available and
 * reserved units, payment and refund records, emails, and the calls the shop made to Stripe.
 */
import { loadConfig } from '@simple-shop/config';
import { ObjectId, type WebhookEventDoc } from '@simple-shop/db';
import { createStripeClient } from '@simple-shop/payments';
import { webhookJobId } from '@simple-shop/queue';
import { signPayload } from '@simple-shop/stripe-simulator';
import { STACK_STRIPE_KEY, STACK_WEBHOOK_SECRET, startStack, waitFor, type Stack } from '@simple-shop/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWorkerDependencies, type WorkerDependencies } from '../deps';
import { insertProduct, orderWithSession } from '../fulfilment/pipeline.test-support';
import { workerMetricSources } from '../metric-sources';
import { createWorkerMetrics } from '../metrics';
import { startWorkers, type RunningWorkers } from '../worker';

const JOB_ATTEMPTS = 3;
let stack: Stack;
let deps: WorkerDependencies;
let running: RunningWorkers;

beforeAll(async () => {
  stack = await startStack({ workers: 0, env: { JOB_ATTEMPTS: String(JOB_ATTEMPTS), JOB_BACKOFF_MS: '100' } });
  deps = await createWorkerDependencies(loadConfig(stack.env), pino({ level: 'silent' }));
  running = startWorkers(deps, createWorkerMetrics(workerMetricSources(deps)));
}, 90_000);
afterAll(async () => {
  await running?.close();
  await deps?.close();
  await stack?.stop();
});
beforeEach(() => stack.sim.faults.reset());

const db = () => stack.database.collections;
/** What the Stripe Dashboard is: another client of the same account, outside the shop. */
const dashboard = () => createStripeClient({ STRIPE_SECRET_KEY: STACK_STRIPE_KEY, STRIPE_API_BASE: stack.sim.url })!;

async function levels(id: ObjectId) {
  const doc = await db().products.findOne({ _id: id });
  return { available: doc!.stock, reserved: doc!.reserved ?? 0 };
}

/** Waits until the recorded event reached a final status, and returns it. */
const settled = (eventId: string, timeoutMs = 30_000) =>
  waitFor(
    async () => {
      const doc = await db().webhookEvents.findOne({ _id: eventId });
      expect(['processed', 'ignored', 'failed']).toContain(doc?.status);
      return doc as WebhookEventDoc;
    },
    { timeoutMs },
  );

/** The id of the simulator's event of `type` whose object matches. */
const simEvent = (type: string, match: (object: Record<string, unknown>) => boolean) =>
  waitFor(() => {
    const found = stack.sim
      .events()
      .find((e) => e.type === type && match(e.data.object as unknown as Record<string, unknown>));
    expect(found, `${type} event`).toBeDefined();
    return found!.id;
  });

const sentMails = (outboxId: string) =>
  waitFor(
    async () => {
      const email = await db().emailOutbox.findOne({ _id: outboxId });
      expect(email?.status).toBe('sent');
      return email!;
    },
    { timeoutMs: 20_000 },
  );

/** A paid order (hosted page paid, webhook processed by the worker, confirmation sent). */
async function paidOrder(opts: { stock: number; quantity: number; price: number }) {
  const product = await insertProduct(stack, { stock: opts.stock, reserved: 0, price: opts.price });
  const placed = await orderWithSession(stack, product, opts.quantity);
  await stack.sim.pay(placed.sessionId);
  const completed = await simEvent('checkout.session.completed', (o) => o.id === placed.sessionId);
  expect((await settled(completed)).outcome).toBe('paid');
  await sentMails(`order_confirmation:${placed.orderId.toHexString()}`);
  const payment = await db().payments.findOne({ sessionId: placed.sessionId });
  return { ...placed, product, paymentIntentId: payment!.paymentIntentId! };
}

/** A signed event POSTed to the API as Stripe would. */
async function deliver(event: Record<string, unknown>) {
  const payload = JSON.stringify({
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    api_version: '2026-10-28.endive',
    ...event,
  });
  const res = await fetch(`${stack.url}/api/payments/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, STACK_WEBHOOK_SECRET) },
    body: payload,
  });
  expect(res.status, await res.text()).toBe(200);
}

/** The job once it failed for good (read after its state says so: it may have been read while active). */
async function failedJob(jobId: string) {
  const queue = deps.queues.stripeEvents.queue;
  await waitFor(async () => expect(await queue.getJobState(jobId)).toBe('failed'), { timeoutMs: 30_000 });
  return (await queue.getJob(jobId))!;
}

describe('refunds made in the Stripe Dashboard (charge.refunded)', () => {
  it('a full one: the order is refunded, its units go back on hand, one refund email; the shop refunds nothing itself', async () => {
    const order = await paidOrder({ stock: 5, quantity: 2, price: 2500 });
    expect(await levels(order.product._id)).toEqual({ available: 3, reserved: 0 });
    await dashboard().refunds.create({ payment_intent: order.paymentIntentId });
    const callsAfterDashboard = stack.sim.requests().length;

    const eventId = await simEvent('charge.refunded', (o) => o.payment_intent === order.paymentIntentId);
    const event = await settled(eventId);
    expect([event.status, event.outcome, event.attempts]).toEqual(['processed', 'refunded', 1]);
    const charge = stack.sim.charges().find((c) => c.payment_intent === order.paymentIntentId)!;
    const doc = await db().orders.findOne({ _id: order.orderId });
    expect([doc?.status, doc?.refundedAmount, doc?.refundIds, doc?.refunds?.map((r) => [r.amount, r.by])]).toEqual([
      'refunded',
      5000,
      [charge.id],
      [[5000, 'stripe']],
    ]);
    expect(await levels(order.product._id)).toEqual({ available: 5, reserved: 0 });
    const restocks = await db().inventoryAdjustments.find({ orderId: order.orderId }).toArray();
    expect(restocks.map((a) => [a.kind, a.delta, a.status])).toEqual([['restock', 2, 'applied']]);
    const payment = await db().payments.findOne({ orderId: order.orderId });
    expect([payment?.status, payment?.amount, payment?.amountRefunded]).toEqual(['refunded', 5000, 5000]);
    const email = await sentMails(`order_refunded:${order.orderId.toHexString()}`);
    expect(email.data).toMatchObject({ amount: 5000, reason: 'refunded in Stripe' });
    expect(
      stack.smtp
        .messages()
        .filter((m) => m.to.includes(order.user.email))
        .map((m) => m.messageId),
    ).toEqual([
      `<order_confirmation:${order.orderId.toHexString()}@simple-shop>`,
      `<order_refunded:${order.orderId.toHexString()}@simple-shop>`,
    ]);
    expect(stack.sim.refunds().filter((r) => r.payment_intent === order.paymentIntentId)).toHaveLength(1);
    // It only looked for a refund of the shop's own among the charge's refunds.
    expect(
      stack.sim
        .requests()
        .slice(callsAfterDashboard)
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual(['GET /v1/refunds']);
  });

  it('a partial one: the order stays paid with refundedAmount, no restock, one email for that refund; the shop only lists refunds', async () => {
    const order = await paidOrder({ stock: 4, quantity: 1, price: 4000 });
    const refund = await dashboard().refunds.create({ payment_intent: order.paymentIntentId, amount: 1500 });
    const callsAfterDashboard = stack.sim.requests().length;

    const eventId = await simEvent('charge.refunded', (o) => o.payment_intent === order.paymentIntentId);
    const event = await settled(eventId);
    expect([event.status, event.outcome]).toEqual(['processed', 'partially_refunded']);
    const doc = await db().orders.findOne({ _id: order.orderId });
    expect([doc?.status, doc?.refundedAmount, doc?.refundIds, doc?.refunds?.map((r) => [r.amount, r.by])]).toEqual([
      'paid',
      1500,
      [refund.id],
      [[1500, 'stripe']],
    ]);
    expect(await levels(order.product._id)).toEqual({ available: 3, reserved: 0 });
    expect(await db().inventoryAdjustments.countDocuments({ orderId: order.orderId })).toBe(0);
    const payment = await db().payments.findOne({ orderId: order.orderId });
    expect([payment?.status, payment?.amountRefunded, payment?.refundId]).toEqual([
      'partially_refunded',
      1500,
      refund.id,
    ]);
    const email = await sentMails(`order_refunded:${order.orderId.toHexString()}:${refund.id}`);
    expect(email.data).toMatchObject({ amount: 1500 });
    expect(
      stack.sim
        .requests()
        .slice(callsAfterDashboard)
        .map((r) => `${r.method} ${r.path}`),
    ).toEqual(['GET /v1/refunds']);
    expect(stack.sim.refunds().filter((r) => r.payment_intent === order.paymentIntentId)).toHaveLength(1);
  });
});

describe('failed payments', () => {
  it('a declined card (payment_intent.payment_failed): payment_failed, units released, one email, nothing refunded', async () => {
    const product = await insertProduct(stack, { stock: 5, reserved: 0, price: 1200 });
    const placed = await orderWithSession(stack, product, 2);
    expect(await levels(product._id)).toEqual({ available: 3, reserved: 2 });
    await stack.sim.decline(placed.sessionId);
    const intentId = stack.sim.sessions().find((s) => s.id === placed.sessionId)!.payment_intent as string;
    const callsAfterDecline = stack.sim.requests().length;

    const event = await settled(await simEvent('payment_intent.payment_failed', (o) => o.id === intentId));
    expect([event.status, event.outcome]).toEqual(['processed', 'failed']);
    const doc = await db().orders.findOne({ _id: placed.orderId });
    expect(doc?.status).toBe('payment_failed');
    expect(await levels(product._id)).toEqual({ available: 5, reserved: 0 });
    expect((await db().reservations.find({ orderId: placed.orderId }).toArray()).map((r) => r.status)).toEqual([
      'released',
    ]);
    expect((await db().payments.findOne({ sessionId: placed.sessionId }))?.status).toBe('open');
    const email = await sentMails(`payment_failed:${placed.orderId.toHexString()}`);
    expect(email.data).toMatchObject({ reason: expect.stringMatching(/declined/) });
    expect(await db().emailOutbox.countDocuments({ subjectId: placed.orderId.toHexString() })).toBe(1);
    expect(stack.sim.refunds().filter((r) => r.payment_intent === intentId)).toEqual([]);
    expect(stack.sim.requests().slice(callsAfterDecline)).toEqual([]);
  });

  it('a failed bank transfer (checkout.session.async_payment_failed): payment_failed once, units released, one email', async () => {
    const product = await insertProduct(stack, { stock: 3, reserved: 0, price: 900 });
    const placed = await orderWithSession(stack, product, 1);
    await stack.sim.pay(placed.sessionId, { async: true });
    const started = await settled(await simEvent('checkout.session.completed', (o) => o.id === placed.sessionId));
    expect(started.outcome).toBe('awaiting_payment');
    expect((await db().orders.findOne({ _id: placed.orderId }))?.status).toBe('pending_payment');
    expect(await levels(product._id)).toEqual({ available: 2, reserved: 1 });

    await stack.sim.completeAsyncPayment(placed.sessionId, 'failed');
    const intentId = stack.sim.sessions().find((s) => s.id === placed.sessionId)!.payment_intent as string;
    // Stripe sends both, in any order: the first moves the order, the second changes nothing.
    const asyncFailed = await settled(
      await simEvent('checkout.session.async_payment_failed', (o) => o.id === placed.sessionId),
    );
    const intentFailed = await settled(await simEvent('payment_intent.payment_failed', (o) => o.id === intentId));
    expect([asyncFailed.status, intentFailed.status]).toEqual(['processed', 'processed']);
    expect([asyncFailed.outcome, intentFailed.outcome].sort()).toEqual(['failed', 'unchanged']);
    expect((await db().orders.findOne({ _id: placed.orderId }))?.status).toBe('payment_failed');
    expect(await levels(product._id)).toEqual({ available: 3, reserved: 0 });
    await sentMails(`payment_failed:${placed.orderId.toHexString()}`);
    expect(await db().emailOutbox.countDocuments({ subjectId: placed.orderId.toHexString() })).toBe(1);
    expect(stack.sim.refunds().filter((r) => r.payment_intent === intentId)).toEqual([]);
  });
});

describe("the worker's permanent errors: failed at once, without retry", () => {
  it('a paid session with no order reference is dead-lettered after one attempt', async () => {
    const id = `evt_noref_${new ObjectId().toHexString()}`;
    await deliver({
      id,
      type: 'checkout.session.completed',
      data: {
        object: {
          object: 'checkout.session',
          id: `cs_test_noref_${id}`,
          metadata: {},
          client_reference_id: null,
          payment_status: 'paid',
          amount_total: 1000,
          currency: 'usd',
          payment_intent: 'pi_noref',
        },
      },
    });
    const event = await settled(id);
    expect([event.status, event.attempts, event.attemptLog?.length]).toEqual(['failed', 1, 1]);
    expect(event.lastError).toMatch(/carries no order reference/);
    const job = await failedJob(webhookJobId(id));
    expect(job.attemptsMade).toBe(1);
    expect(await db().failedWebhooks.findOne({ eventId: id })).toMatchObject({ type: 'checkout.session.completed' });
  });

  it('a declined payment with no order reference is ignored (recorded, not failed, not dead-lettered)', async () => {
    const id = `evt_noref_pi_${new ObjectId().toHexString()}`;
    await deliver({
      id,
      type: 'payment_intent.payment_failed',
      data: { object: { object: 'payment_intent', id: 'pi_someone_else', metadata: {}, last_payment_error: null } },
    });
    const event = await settled(id);
    expect([event.status, event.outcome]).toEqual(['ignored', 'no_order_reference']);
    expect(await db().failedWebhooks.countDocuments({ eventId: id })).toBe(0);
  });

  it('a job whose event was never recorded fails after one attempt and is parked as of unknown type', async () => {
    const id = `evt_never_${new ObjectId().toHexString()}`;
    await deps.queues.stripeEvents.add(
      'webhook',
      { kind: 'webhook', eventId: id, type: 'checkout.session.completed' },
      { jobId: webhookJobId(id) },
    );
    const job = await failedJob(webhookJobId(id));
    expect([job.attemptsMade, job.failedReason]).toEqual([1, `event ${id} was never recorded`]);
    expect(await db().webhookEvents.countDocuments({ _id: id })).toBe(0);
    expect(await db().failedWebhooks.findOne({ eventId: id })).toMatchObject({
      type: 'unknown',
      error: `PermanentError: event ${id} was never recorded`,
    });
  });

  it('a recorded payload that is not JSON fails after one attempt and is dead-lettered', async () => {
    const id = `evt_garbled_${new ObjectId().toHexString()}`;
    await db().webhookEvents.insertOne({
      _id: id,
      type: 'checkout.session.completed',
      payload: '{"id": "evt_garbled", "type": ',
      status: 'queued',
      attempts: 0,
      queuedAt: new Date(),
      receivedAt: new Date(),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    await deps.queues.stripeEvents.add(
      'webhook',
      { kind: 'webhook', eventId: id, type: 'checkout.session.completed' },
      { jobId: webhookJobId(id) },
    );
    const event = await settled(id);
    expect([event.status, event.attempts, event.lastError]).toEqual([
      'failed',
      1,
      `PermanentError: event ${id} payload is not JSON`,
    ]);
    expect((await failedJob(webhookJobId(id))).attemptsMade).toBe(1);
    expect(await db().failedWebhooks.findOne({ eventId: id })).toMatchObject({ type: 'checkout.session.completed' });
  });

  it('by contrast, a retryable failure (the order is not written yet) is tried JOB_ATTEMPTS times before the dead letter', async () => {
    const id = `evt_early_${new ObjectId().toHexString()}`;
    const missing = new ObjectId().toHexString();
    await deliver({
      id,
      type: 'checkout.session.completed',
      data: {
        object: {
          object: 'checkout.session',
          id: `cs_test_early_${id}`,
          metadata: { orderId: missing },
          client_reference_id: null,
          payment_status: 'paid',
          amount_total: 1000,
          currency: 'usd',
          payment_intent: 'pi_early',
        },
      },
    });
    const event = await settled(id);
    expect([event.status, event.attempts, event.attemptLog?.map((a) => a.attempt)]).toEqual([
      'failed',
      JOB_ATTEMPTS,
      [1, 2, 3],
    ]);
    expect(event.lastError).toBe(`Error: order ${missing} not found`);
    expect((await failedJob(webhookJobId(id))).attemptsMade).toBe(JOB_ATTEMPTS);
    expect(await db().failedWebhooks.countDocuments({ eventId: id })).toBe(1);
  });
});
