/**
 * Branches of the scheduled reconciliation that reconcile.test.ts does not take, run in-process
 * against real MongoDB, Redis, BullMQ and the Stripe simulator (with its failure injection).
 */
import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { payOrder } from '@simple-shop/order-outcomes';
import { createStripeClient, type Stripe } from '@simple-shop/payments';
import { webhookJobId } from '@simple-shop/queue';
import type { StripeSimulator } from '@simple-shop/stripe-simulator';
import { productDoc } from '@simple-shop/testing';
import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WorkerDependencies } from '../deps';
import type { FulfilmentContext } from '../fulfilment/context';
import { reconcile } from './reconcile';
import { startReconcileHarness, orderWithSession as openOrder } from './reconcile.test-support';

let sim: StripeSimulator;
let deps: WorkerDependencies;
let ctx: FulfilmentContext;
let stripe: Stripe;

beforeAll(async () => {
  ({ sim, deps, ctx } = await startReconcileHarness('whsec_reconcile_branches'));
  stripe = createStripeClient(deps.config)!;
});
afterAll(async () => {
  await deps?.close();
  await sim?.close();
});

const db = () => deps.database.collections;

async function product(stock: number): Promise<ProductDoc> {
  const doc = productDoc({ name: 'Branch lamp', description: '', price: 1200, stock, reserved: 0 });
  await db().products.insertOne(doc);
  return doc;
}

const orderWithSession = (p: ProductDoc, quantity: number) => openOrder(deps, stripe, p, quantity);

const levels = async (id: ObjectId) => {
  const doc = await db().products.findOne({ _id: id });
  return { available: doc!.stock, reserved: doc!.reserved ?? 0 };
};
const status = async (id: ObjectId) => (await db().orders.findOne({ _id: id }))?.status;
const backdateReservations = (orderId: ObjectId) =>
  db().reservations.updateMany({ orderId }, { $set: { createdAt: new Date(Date.now() - 3 * 3600_000) } });

describe('reconciliation', () => {
  it('keeps the reservations of a needs_review order (the admin decides) while it releases those of a cancelled one', async () => {
    const p = await product(6);
    const review = await orderWithSession(p, 2);
    await sim.pay(review.sessionId);
    const session = await stripe.checkout.sessions.retrieve(review.sessionId);
    const mismatch = await payOrder({ database: deps.database, stripe, log: ctx.log }, { ...session, amount_total: 1 });
    expect(mismatch.outcome).toBe('amount_mismatch');
    // The contrast: an order cancelled by a crash before its release ran.
    const ended = await orderWithSession(p, 1);
    await db().orders.updateOne({ _id: ended.order._id }, { $set: { status: 'cancelled' } });
    for (const o of [review, ended]) await backdateReservations(o.order._id);
    expect(await levels(p._id)).toEqual({ available: 3, reserved: 3 });

    for (let run = 0; run < 2; run += 1) await reconcile(ctx);

    expect(await status(review.order._id)).toBe('needs_review');
    expect(
      (await db().reservations.find({ orderId: review.order._id }).toArray()).map((r) => [r.status, r.quantity]),
    ).toEqual([['held', 2]]);
    expect((await db().reservations.find({ orderId: ended.order._id }).toArray()).map((r) => r.status)).toEqual([
      'released',
    ]);
    expect(await levels(p._id)).toEqual({ available: 4, reserved: 2 });
    expect(sim.refunds()).toEqual([]);
  });

  it('retries a recorded event whose job failed in BullMQ (never reached the handler): the job is waiting again, attempts reset', async () => {
    const id = `evt_failed_job_${new ObjectId().toHexString()}`;
    const long = new Date(Date.now() - 10 * 60_000);
    await db().webhookEvents.insertOne({
      _id: id,
      type: 'checkout.session.completed',
      payload: '{}',
      status: 'queued',
      attempts: 0,
      queuedAt: long,
      receivedAt: long,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const queue = deps.queues.stripeEvents.queue;
    const job = await deps.queues.stripeEvents.add(
      'webhook',
      { kind: 'webhook', eventId: id, type: 'checkout.session.completed' },
      { jobId: webhookJobId(id) },
    );
    // A worker that dies on it for good (as BullMQ fails a job that stalled too often).
    const failer = new Worker(
      queue.name,
      async () => {
        throw new UnrecoverableError('stalled too many times');
      },
      {
        connection: deps.redis,
        prefix: queue.opts.prefix,
      },
    );
    try {
      await vi.waitFor(async () => expect(await job.isFailed()).toBe(true), { timeout: 20_000 });
    } finally {
      await failer.close();
    }

    const summary = await reconcile(ctx);
    expect(summary.eventsQueued).toBe(1);
    const retried = await queue.getJob(webhookJobId(id));
    expect([await retried?.getState(), retried?.attemptsMade, retried?.data]).toEqual([
      'waiting',
      0,
      { kind: 'webhook', eventId: id, type: 'checkout.session.completed' },
    ]);
    const event = await db().webhookEvents.findOne({ _id: id });
    expect(event?.status).toBe('queued');
    expect(event!.queuedAt!.getTime()).toBeGreaterThan(long.getTime());
    // Waiting now: the next run leaves it alone.
    expect((await reconcile(ctx)).eventsQueued).toBe(0);
    await retried!.remove();
  });

  it('a Stripe 500 on one overdue order (failure injection) neither stops the run nor the order after it; the next run finishes it', async () => {
    const p = await product(5);
    const first = await orderWithSession(p, 1);
    const second = await orderWithSession(p, 2);
    await db().orders.updateOne({ _id: first.order._id }, { $set: { expiresAt: new Date(Date.now() - 120_000) } });
    await db().orders.updateOne({ _id: second.order._id }, { $set: { expiresAt: new Date(Date.now() - 60_000) } });
    const failedBefore = await failedItems();
    const callsBefore = sim.requests().length;
    // The first Stripe call of the run, and both SDK retries of it, answer 500.
    sim.faults.set({ failNextApiCalls: 3 });

    const summary = await reconcile(ctx);
    expect(sim.faults.get().failNextApiCalls).toBe(0);
    expect(summary.itemsFailed).toBe(1);
    expect(await failedItems()).toBe(failedBefore + 1);
    expect(
      sim
        .requests()
        .slice(callsBefore)
        .map((r) => [r.path, r.status]),
    ).toEqual([
      [`/v1/checkout/sessions/${first.sessionId}/expire`, 500],
      [`/v1/checkout/sessions/${first.sessionId}/expire`, 500],
      [`/v1/checkout/sessions/${first.sessionId}/expire`, 500],
      [`/v1/checkout/sessions/${second.sessionId}/expire`, 200],
    ]);
    expect([await status(first.order._id), await status(second.order._id)]).toEqual(['pending_payment', 'expired']);
    expect(
      sim
        .sessions()
        .filter((s) => [first.sessionId, second.sessionId].includes(s.id))
        .map((s) => [s.id, s.status]),
    ).toEqual([
      [first.sessionId, 'open'],
      [second.sessionId, 'expired'],
    ]);
    expect(await levels(p._id)).toEqual({ available: 4, reserved: 1 });

    const next = await reconcile(ctx);
    expect(next.itemsFailed).toBe(0);
    expect(await status(first.order._id)).toBe('expired');
    expect(sim.sessions().find((s) => s.id === first.sessionId)?.status).toBe('expired');
    expect(await levels(p._id)).toEqual({ available: 5, reserved: 0 });
  });
});

async function failedItems(): Promise<number> {
  const values = (await ctx.metrics.registry.getSingleMetric('reconcile_items_total')!.get()).values;
  return values
    .filter((v) => v.labels.sweep === 'orders-overdue' && v.labels.result === 'failed')
    .reduce((n, v) => n + v.value, 0);
}
