import { emailJobId, sessionJobId } from '@simple-shop/queue';
import { ObjectId, type OrderDoc, type ProductDoc } from '@simple-shop/db';
import { createOrder, reservationId } from '@simple-shop/orders';
import { createStripeClient } from '@simple-shop/payments';
import type { StripeSimulator } from '@simple-shop/stripe-simulator';
import { productDoc } from '@simple-shop/testing';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WorkerDependencies } from '../deps';
import type { FulfilmentContext } from '../fulfilment/context';
import { reconcile } from './reconcile';
import { startReconcileHarness } from './reconcile.test-support';

/** The scheduled safety net, run in-process against real MongoDB, Redis and the Stripe simulator. */
let sim: StripeSimulator;
let deps: WorkerDependencies;
let ctx: FulfilmentContext;

beforeAll(async () => {
  ({ sim, deps, ctx } = await startReconcileHarness('whsec_reconcile_test'));
});
afterAll(async () => {
  await deps?.close();
  await sim?.close();
});

async function product(stock: number): Promise<ProductDoc> {
  const doc = productDoc({ name: 'Reconciled lamp', description: '', price: 1200, stock });
  await deps.database.collections.products.insertOne(doc);
  return doc;
}

async function orderWithSession(p: ProductDoc, quantity: number): Promise<{ order: OrderDoc; sessionId: string }> {
  const order = await createOrder(deps.database, {
    userId: new ObjectId(),
    lines: [{ productId: p._id, quantity }],
    ttlSeconds: 3600,
  });
  const stripe = createStripeClient(deps.config)!;
  const session = await stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ quantity, price_data: { currency: 'usd', unit_amount: p.price, product_data: { name: p.name } } }],
    metadata: { orderId: order._id.toHexString() },
    success_url: 'http://localhost/ok',
    cancel_url: 'http://localhost/cancel',
  });
  await deps.database.collections.orders.updateOne({ _id: order._id }, { $set: { checkoutSessionId: session.id } });
  return { order, sessionId: session.id };
}

const stock = async (id: ObjectId) => {
  const doc = await deps.database.collections.products.findOne({ _id: id });
  return { stock: doc!.stock, held: Object.values(doc!.holds ?? {}).reduce((a, b) => a + b, 0) };
};

describe('reconcile', () => {
  it('expires overdue unpaid orders: the session is expired on Stripe and the hold released, once', async () => {
    const p = await product(5);
    const { order, sessionId } = await orderWithSession(p, 2);
    await deps.database.collections.orders.updateOne(
      { _id: order._id },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );

    const first = await reconcile(ctx);
    expect(first.ordersExpired).toBeGreaterThanOrEqual(1);
    expect((await deps.database.collections.orders.findOne({ _id: order._id }))?.status).toBe('expired');
    expect(sim.sessions().find((s) => s.id === sessionId)?.status).toBe('expired');
    expect(await stock(p._id)).toEqual({ stock: 5, held: 0 });

    await reconcile(ctx);
    expect(await stock(p._id)).toEqual({ stock: 5, held: 0 });
  });

  it('hands an overdue order whose session Stripe reports paid to the completion path instead', async () => {
    const p = await product(5);
    const { order, sessionId } = await orderWithSession(p, 1);
    await sim.pay(sessionId);
    await deps.database.collections.orders.updateOne(
      { _id: order._id },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    await reconcile(ctx);
    expect((await deps.database.collections.orders.findOne({ _id: order._id }))?.status).toBe('pending_payment');
    const job = await deps.queues.stripeEvents.queue.getJob(sessionJobId(sessionId));
    expect(job?.data).toMatchObject({ kind: 'session', sessionId });
    expect(await stock(p._id)).toEqual({ stock: 4, held: 1 });
  });

  it('finds a lost webhook: an unpaid order whose session Stripe reports paid is queued for completion', async () => {
    const p = await product(5);
    const { order, sessionId } = await orderWithSession(p, 1);
    await sim.pay(sessionId);
    await deps.database.collections.orders.updateOne(
      { _id: order._id },
      { $set: { updatedAt: new Date(Date.now() - 5 * 60_000) } },
    );
    const summary = await reconcile(ctx);
    expect(summary.sessionsChecked).toBeGreaterThanOrEqual(1);
    expect(await deps.queues.stripeEvents.queue.getJob(sessionJobId(sessionId))).toBeTruthy();
  });

  it('frees holds left by ended orders and by orders that were never written', async () => {
    const p = await product(10);
    const { order } = await orderWithSession(p, 3);
    // A crash after the status move, before the release: the order is cancelled, the reservation held.
    await deps.database.collections.orders.updateOne({ _id: order._id }, { $set: { status: 'cancelled' } });
    await deps.database.collections.reservations.updateMany(
      { orderId: order._id },
      { $set: { createdAt: new Date(Date.now() - 3600_000) } },
    );
    // A crash between reserving on the product and writing the reservation and its order, long ago.
    const ghost = ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 3600);
    await deps.database.collections.products.updateOne(
      { _id: p._id },
      { $inc: { stock: -2, reserved: 2 }, $set: { [`holds.${reservationId(ghost, p._id)}`]: 2 } },
    );
    // And a fresh record-less marker (its order may still be being written): left alone.
    const fresh = new ObjectId();
    await deps.database.collections.products.updateOne(
      { _id: p._id },
      { $inc: { stock: -1, reserved: 1 }, $set: { [`holds.${reservationId(fresh, p._id)}`]: 1 } },
    );
    // Orders that still hold their stock, however old their reservations: one waiting for payment,
    // one waiting for an admin's review (a paid amount that did not match) — both are left alone.
    const keepers = [];
    for (const status of ['pending_payment', 'needs_review'] as const) {
      const { order: kept } = await orderWithSession(p, 1);
      await deps.database.collections.orders.updateOne({ _id: kept._id }, { $set: { status } });
      await deps.database.collections.reservations.updateMany(
        { orderId: kept._id },
        { $set: { createdAt: new Date(Date.now() - 3600_000) } },
      );
      keepers.push(kept._id);
    }
    expect(await stock(p._id)).toEqual({ stock: 2, held: 8 });

    const summary = await reconcile(ctx);
    expect(summary.holdsReleased).toBe(2);
    expect(await stock(p._id)).toEqual({ stock: 7, held: 3 });
    expect((await deps.database.collections.products.findOne({ _id: p._id }))?.reserved).toBe(3);
    const keptReservations = await deps.database.collections.reservations.find({ orderId: { $in: keepers } }).toArray();
    expect(keptReservations.map((r) => [r.status, r.settled])).toEqual([
      ['held', false],
      ['held', false],
    ]);
    // Running it again changes nothing more.
    expect((await reconcile(ctx)).holdsReleased).toBe(0);
    expect(await stock(p._id)).toEqual({ stock: 7, held: 3 });
  });

  it('queues outbox emails that never got a job', async () => {
    const id = `order_confirmation:${new ObjectId().toHexString()}`;
    await deps.database.collections.emailOutbox.insertOne({
      _id: id,
      kind: 'order_confirmation',
      to: 'a@example.test',
      subject: 'x',
      data: {},
      status: 'pending',
      attempts: 0,
      createdAt: new Date(Date.now() - 60_000),
    });
    await reconcile(ctx);
    expect(await deps.queues.emails.queue.getJob(`email.${id.replace(':', '.')}`)).toBeTruthy();
  });

  it('re-queues an email put back to pending after its job finished (operator retry after a check)', async () => {
    const id = `order_confirmation:${new ObjectId().toHexString()}`;
    await deps.database.collections.emailOutbox.insertOne({
      _id: id,
      kind: 'order_confirmation',
      to: 'd@example.test',
      subject: 'x',
      data: {},
      status: 'pending',
      attempts: 1,
      createdAt: new Date(Date.now() - 60_000),
    });
    const emails = deps.queues.emails.queue;
    // The job that ran before the operator's reset: finished and kept (removeOnComplete keeps a day).
    const earlier = await deps.queues.emails.add('send', { outboxId: id }, { jobId: emailJobId(id) });
    const finisher = new Worker(emails.name, async () => 'done', {
      connection: deps.redis,
      prefix: emails.opts.prefix,
    });
    try {
      await vi.waitFor(async () => expect(await earlier.isCompleted()).toBe(true), { timeout: 10_000 });
    } finally {
      await finisher.close();
    }
    await reconcile(ctx);
    expect(await (await emails.getJob(emailJobId(id)))?.getState()).toBe('waiting');
  });

  it('parks an email claim abandoned by a crashed worker as unknown (never re-sent)', async () => {
    const id = `order_confirmation:${new ObjectId().toHexString()}`;
    await deps.database.collections.emailOutbox.insertOne({
      _id: id,
      kind: 'order_confirmation',
      to: 'b@example.test',
      subject: 'x',
      data: {},
      status: 'sending',
      claimedBy: 'job#1#999999',
      claimedAt: new Date(Date.now() - 10 * 60_000),
      attempts: 0,
      createdAt: new Date(Date.now() - 11 * 60_000),
    });
    await reconcile(ctx);
    expect((await deps.database.collections.emailOutbox.findOne({ _id: id }))?.status).toBe('unknown');
    expect(await deps.queues.emails.queue.getJob(`email.${id.replace(':', '.')}`)).toBeFalsy();
  });

  it('hands a queued event whose job Redis lost back to the queue', async () => {
    const id = `evt_lost_${new ObjectId().toHexString()}`;
    await deps.database.collections.webhookEvents.insertOne({
      _id: id,
      type: 'checkout.session.completed',
      payload: '{}',
      status: 'queued',
      attempts: 0,
      queuedAt: new Date(Date.now() - 5 * 60_000),
      receivedAt: new Date(Date.now() - 5 * 60_000),
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const summary = await reconcile(ctx);
    expect(summary.eventsQueued).toBeGreaterThanOrEqual(1);
    expect((await deps.queues.stripeEvents.queue.getJob(id))?.data).toMatchObject({ kind: 'webhook', eventId: id });
  });
});

describe('every sweep reaches every document', () => {
  it('a stale reservation behind 5,100 healthy ones is released within a few runs', async () => {
    const p = await product(10);
    const old = new Date(Date.now() - 3600_000);
    // 5,100 held reservations of live unpaid orders (they stay matching run after run)...
    const live = Array.from({ length: 5100 }, (_, i) => ({
      _id: `${new ObjectId().toHexString()}-${p._id.toHexString()}-1`,
      orderId: new ObjectId(),
      productId: p._id,
      quantity: 1,
      status: 'held' as const,
      settled: false,
      createdAt: new Date(old.getTime() + i),
      updatedAt: old,
    }));
    await deps.database.collections.orders.insertMany(
      live.map((r) => ({
        _id: r.orderId,
        userId: new ObjectId(),
        status: 'pending_payment',
        items: [{ productId: p._id, name: 'x', quantity: 1, unitPrice: 1 }],
        total: 1,
        currency: 'usd',
        expiresAt: new Date(Date.now() + 3600_000),
        history: [],
        createdAt: old,
        updatedAt: new Date(),
      })),
    );
    await deps.database.collections.reservations.insertMany(live);
    // ...and behind all of them, one of an order that was cancelled before its release ran.
    const { order } = await orderWithSession(p, 2);
    await deps.database.collections.orders.updateOne({ _id: order._id }, { $set: { status: 'cancelled' } });
    await deps.database.collections.reservations.updateMany(
      { orderId: order._id },
      { $set: { createdAt: new Date(old.getTime() + 10_000) } },
    );
    expect((await deps.database.collections.products.findOne({ _id: p._id }))?.stock).toBe(8);

    for (let run = 0; run < 8; run += 1) {
      await reconcile(ctx);
      if ((await deps.database.collections.products.findOne({ _id: p._id }))?.stock === 10) break;
    }
    const after = await deps.database.collections.products.findOne({ _id: p._id });
    expect(after?.stock).toBe(10);
    expect(await deps.database.collections.reservations.findOne({ orderId: order._id })).toMatchObject({
      status: 'released',
      settled: true,
    });
    // The live ones were left alone.
    expect(await deps.database.collections.reservations.countDocuments({ productId: p._id, status: 'held' })).toBe(
      5100,
    );
    // Keep later tests' runs small.
    await deps.database.collections.reservations.deleteMany({ productId: p._id });
    await deps.database.collections.orders.deleteMany({ _id: { $in: live.map((r) => r.orderId) } });
  }, 120_000);

  it('a stale product marker behind 5,100 clean products is released', async () => {
    await deps.database.collections.products.insertMany(
      Array.from({ length: 5100 }, () => productDoc({ name: 'Filler', description: '', stock: 1, reserved: 0 })),
    );
    const p = await product(4);
    const ghost = ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 3600);
    await deps.database.collections.products.updateOne(
      { _id: p._id },
      { $inc: { stock: -1, reserved: 1 }, $set: { [`holds.${reservationId(ghost, p._id)}`]: 1 } },
    );
    for (let run = 0; run < 4; run += 1) {
      await reconcile(ctx);
      if ((await deps.database.collections.products.findOne({ _id: p._id }))?.stock === 4) break;
    }
    expect(await stock(p._id)).toEqual({ stock: 4, held: 0 });
    await deps.database.collections.products.deleteMany({ name: 'Filler' });
  }, 120_000);

  it('one item that fails (Stripe 404 for its session) neither stops the run nor the items after it', async () => {
    const p = await product(5);
    const broken = await createOrder(deps.database, {
      userId: new ObjectId(),
      lines: [{ productId: p._id, quantity: 1 }],
      ttlSeconds: 3600,
    });
    await deps.database.collections.orders.updateOne(
      { _id: broken._id },
      { $set: { checkoutSessionId: 'cs_test_does_not_exist', expiresAt: new Date(Date.now() - 120_000) } },
    );
    const { order } = await orderWithSession(p, 2);
    await deps.database.collections.orders.updateOne(
      { _id: order._id },
      { $set: { expiresAt: new Date(Date.now() - 60_000) } },
    );
    const summary = await reconcile(ctx);
    expect(summary.itemsFailed).toBeGreaterThanOrEqual(1);
    expect((await deps.database.collections.orders.findOne({ _id: order._id }))?.status).toBe('expired');
    expect((await deps.database.collections.orders.findOne({ _id: broken._id }))?.status).toBe('pending_payment');
    const failures = (await ctx.metrics.registry.getSingleMetric('reconcile_items_total')!.get()).values.filter(
      (v) => v.labels.sweep === 'orders-overdue' && v.labels.result === 'failed',
    );
    expect(failures.map((v) => v.value)).toEqual([expect.any(Number)]);
    expect(failures[0]!.value).toBeGreaterThanOrEqual(1);
  });
});
