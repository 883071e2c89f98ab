/**
 * Each reconciliation step against a clean database, with its exact end state: which documents it
 * changed and which it left alone (the age boundaries included), the summary it returns, the jobs
 * it queued and in what order, the Stripe calls, the product cache entries it invalidated, and the
 * lines operators are alerted by. Real MongoDB, Redis, BullMQ and the Stripe simulator, in-process.
 */
import { catalogKeys } from '@simple-shop/cache';
import { ObjectId, type OrderDoc, type ProductDoc, type ReservationDoc } from '@simple-shop/db';
import { createOrder, reservationId } from '@simple-shop/orders';
import { createStripeClient, type Stripe } from '@simple-shop/payments';
import { emailJobId, sessionJobId } from '@simple-shop/queue';
import type { StripeSimulator } from '@simple-shop/stripe-simulator';
import { productDoc } from '@simple-shop/testing';
import { UnrecoverableError, Worker, type Queue } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WorkerDependencies } from '../deps';
import type { FulfilmentContext } from '../fulfilment/context';
import { SEND_LEASE_MS } from '../jobs/send-email';
import { reconcile, type ReconcileSummary } from './reconcile';
import {
  captureLogs,
  startReconcileHarness,
  type CapturedLogs,
  orderWithSession as openOrder,
} from './reconcile.test-support';

let sim: StripeSimulator;
let deps: WorkerDependencies;
let base: FulfilmentContext;
let ctx: FulfilmentContext;
let logs: CapturedLogs;
let stripe: Stripe;

beforeAll(async () => {
  ({ sim, deps, ctx: base } = await startReconcileHarness('whsec_reconcile_end_states'));
  stripe = createStripeClient(deps.config)!;
});
afterAll(async () => {
  await deps?.close();
  await sim?.close();
});
beforeEach(async () => {
  const c = deps.database.collections;
  for (const collection of [
    c.webhookEvents,
    c.emailOutbox,
    c.orders,
    c.products,
    c.reservations,
    c.inventoryAdjustments,
    c.sweepCursors,
    c.payments,
  ]) {
    await (collection as unknown as { deleteMany(f: object): Promise<unknown> }).deleteMany({});
  }
  await deps.queues.stripeEvents.queue.obliterate({ force: true });
  await deps.queues.emails.queue.obliterate({ force: true });
  base.metrics.sweepItems.reset();
  logs = captureLogs();
  ctx = { ...base, log: logs.logger };
});

const db = () => deps.database.collections;
const NOTHING: ReconcileSummary = {
  eventsQueued: 0,
  emailsQueued: 0,
  emailsParked: 0,
  ordersExpired: 0,
  sessionsChecked: 0,
  holdsReleased: 0,
  reservationsSettled: 0,
  adjustmentsApplied: 0,
  itemsFailed: 0,
};
/** A moment on a whole second, so ObjectId timestamps (seconds) can sit exactly on an age boundary. */
const wholeSecond = () => new Date(Math.floor(Date.now() / 1000) * 1000);
const before = (now: Date, ms: number) => new Date(now.getTime() - ms);

async function product(stock: number, extra: Partial<ProductDoc> = {}): Promise<ProductDoc> {
  const doc = productDoc({ name: 'End-state lamp', description: '', price: 1200, stock, reserved: 0, ...extra });
  await db().products.insertOne(doc);
  return doc;
}

/** Puts a product page in the API's cache; `cached` says whether reconciliation invalidated it. */
const cacheKey = (p: ProductDoc) => catalogKeys(deps.config.REDIS_KEY_PREFIX).product(p._id.toHexString());
const cachePages = async (...ps: ProductDoc[]) => {
  for (const p of ps) await deps.redis.set(cacheKey(p), '{"cached":true}');
};
const cached = async (...ps: ProductDoc[]) =>
  Promise.all(ps.map(async (p) => (await deps.redis.exists(cacheKey(p))) === 1));

const orderWithSession = (p: ProductDoc, quantity: number) => openOrder(deps, stripe, p, quantity);

const levels = async (p: ProductDoc) => {
  const doc = await db().products.findOne({ _id: p._id });
  return { stock: doc!.stock, reserved: doc!.reserved ?? 0, holds: doc!.holds ?? {}, applied: doc!.applied ?? {} };
};

/** reconcile_items_total of one sweep since the test began, by result. */
const sweepMetric = async (sweep: string) => {
  const values = (await base.metrics.registry.getSingleMetric('reconcile_items_total')!.get()).values;
  return Object.fromEntries(values.filter((v) => v.labels.sweep === sweep).map((v) => [v.labels.result, v.value]));
};

/** Job ids in a queue's waiting list, oldest first. */
const waitingIds = async (queue: Queue) => (await queue.getJobs(['waiting'], 0, -1, true)).map((j) => j.id);

/** Makes the job with this id end `failed`, as BullMQ does to a job that stalled too often. */
async function failJob(queue: Queue, add: () => Promise<{ isFailed(): Promise<boolean> }>): Promise<void> {
  const job = await add();
  const failer = new Worker(
    queue.name,
    async () => {
      throw new UnrecoverableError('stalled too many times');
    },
    { connection: deps.redis, prefix: queue.opts.prefix },
  );
  try {
    await vi.waitFor(async () => expect(await job.isFailed()).toBe(true), { timeout: 20_000 });
  } finally {
    await failer.close();
  }
}

function webhookEvent(
  id: string,
  fields: { status: 'received' | 'queued' | 'processed'; receivedAt: Date; queuedAt?: Date },
) {
  return {
    _id: id,
    type: 'checkout.session.completed',
    payload: '{}',
    attempts: 0,
    expiresAt: new Date(Date.now() + 86_400_000),
    ...fields,
  };
}

function outboxEmail(
  id: string,
  fields: { status: 'pending' | 'sending' | 'sent'; createdAt: Date; claimedAt?: Date; claimedBy?: string },
) {
  return { _id: id, kind: 'order_confirmation', to: 'x@example.test', subject: 'x', data: {}, attempts: 0, ...fields };
}

describe('reconciliation end states', () => {
  it('with nothing to do it changes nothing, logs nothing, and keeps a resume point per step', async () => {
    expect(await reconcile(ctx)).toEqual(NOTHING);
    expect(logs.lines()).toEqual([]);
    const cursors = await db().sweepCursors.find({}).toArray();
    expect(cursors.map((c) => c._id).sort()).toEqual([
      'email-claims',
      'email-outbox',
      'inventory-adjustments',
      'orders-overdue',
      'orders-unconfirmed',
      'product-markers',
      'reservations-held',
      'reservations-unsettled',
      'webhook-events',
    ]);
    // Each was written by a run that found its end on the first page: stamped all the same.
    expect(cursors.filter((c) => !(c.updatedAt instanceof Date) || 'after' in c)).toEqual([]);
  });

  it('webhook events: never queued, or queued over 15 s ago (from receipt when undated) and without a job, are handed back, oldest first; the rest are left alone', async () => {
    const now = new Date();
    const stripeEvents = deps.queues.stripeEvents;
    // Inserted first so that a filterless update would land on it.
    await db().webhookEvents.insertOne(
      webhookEvent('evt_0_processed', { status: 'processed', receivedAt: before(now, 600_000) }),
    );
    await db().webhookEvents.insertMany([
      // Handed back, in the order they were received (not their ids'): c, b, a.
      webhookEvent('evt_a_received', { status: 'received', receivedAt: before(now, 6000) }),
      webhookEvent('evt_b_received', { status: 'received', receivedAt: before(now, 20_000) }),
      webhookEvent('evt_c_queued_16s', {
        status: 'queued',
        receivedAt: before(now, 60_000),
        queuedAt: before(now, 16_000),
      }),
      // Queued before `queuedAt` was recorded: counted from its receipt.
      webhookEvent('evt_g_queued_undated', { status: 'queued', receivedAt: before(now, 30_000) }),
      // Left alone: too young to be called lost, or queued too recently.
      webhookEvent('evt_d_young', { status: 'received', receivedAt: before(now, 4000) }),
      webhookEvent('evt_e_queued_15s', {
        status: 'queued',
        receivedAt: before(now, 60_000),
        queuedAt: before(now, 15_000),
      }),
      // Queued long ago, and its job is still waiting: it will be processed.
      webhookEvent('evt_f_waiting', {
        status: 'queued',
        receivedAt: before(now, 60_000),
        queuedAt: before(now, 60_000),
      }),
      webhookEvent('evt_h_queued_undated_young', { status: 'queued', receivedAt: before(now, 10_000) }),
    ]);
    await stripeEvents.add(
      'webhook',
      { kind: 'webhook', eventId: 'evt_f_waiting', type: 'x' },
      { jobId: 'evt_f_waiting' },
    );

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, eventsQueued: 4 });

    expect(await waitingIds(stripeEvents.queue)).toEqual([
      'evt_f_waiting',
      'evt_c_queued_16s',
      'evt_g_queued_undated',
      'evt_b_received',
      'evt_a_received',
    ]);
    const job = await stripeEvents.queue.getJob('evt_b_received');
    expect([job?.name, job?.data]).toEqual([
      'webhook',
      { kind: 'webhook', eventId: 'evt_b_received', type: 'checkout.session.completed' },
    ]);
    const events = await db().webhookEvents.find({}).sort({ _id: 1 }).toArray();
    expect(events.map((e) => [e._id, e.status, e.queuedAt?.getTime() ?? null])).toEqual([
      ['evt_0_processed', 'processed', null],
      ['evt_a_received', 'queued', now.getTime()],
      ['evt_b_received', 'queued', now.getTime()],
      ['evt_c_queued_16s', 'queued', now.getTime()],
      ['evt_d_young', 'received', null],
      ['evt_e_queued_15s', 'queued', now.getTime() - 15_000],
      ['evt_f_waiting', 'queued', now.getTime() - 60_000],
      ['evt_g_queued_undated', 'queued', now.getTime()],
      ['evt_h_queued_undated_young', 'queued', null],
    ]);
  });

  it('webhook events: a failed job is retried with its attempts reset (made and started)', async () => {
    const now = new Date();
    const queue = deps.queues.stripeEvents.queue;
    await db().webhookEvents.insertOne(
      webhookEvent('evt_failed', { status: 'queued', receivedAt: before(now, 60_000), queuedAt: before(now, 60_000) }),
    );
    await failJob(queue, () =>
      deps.queues.stripeEvents.add(
        'webhook',
        { kind: 'webhook', eventId: 'evt_failed', type: 'x' },
        { jobId: 'evt_failed' },
      ),
    );
    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, eventsQueued: 1 });
    const job = await queue.getJob('evt_failed');
    expect([await job?.getState(), job?.attemptsMade, job?.attemptsStarted]).toEqual(['waiting', 0, 0]);
  });

  it('email claims older than the send lease are parked as unknown with an alert, oldest claim first; a claim on the lease boundary is left', async () => {
    const now = new Date();
    // Inserted first so that a filterless update would land on it.
    await db().emailOutbox.insertOne(
      outboxEmail('claim:boundary', {
        status: 'sending',
        claimedBy: 'job#2',
        claimedAt: before(now, SEND_LEASE_MS),
        createdAt: before(now, 3600_000),
      }),
    );
    await db().emailOutbox.insertMany([
      outboxEmail('claim:abandoned', {
        status: 'sending',
        claimedBy: 'job#1',
        claimedAt: before(now, SEND_LEASE_MS + 1000),
        createdAt: before(now, 3600_000),
      }),
      outboxEmail('claim:abandoned-earlier', {
        status: 'sending',
        claimedBy: 'job#0',
        claimedAt: before(now, SEND_LEASE_MS + 60_000),
        createdAt: before(now, 3600_000),
      }),
      outboxEmail('claim:sent', { status: 'sent', createdAt: before(now, 3600_000) }),
    ]);

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, emailsParked: 2 });

    const emails = await db().emailOutbox.find({}).sort({ _id: 1 }).toArray();
    expect(emails.map((e) => [e._id, e.status, e.lastError ?? null])).toEqual([
      ['claim:abandoned', 'unknown', 'worker stopped while sending; not re-sent (at most once)'],
      ['claim:abandoned-earlier', 'unknown', 'worker stopped while sending; not re-sent (at most once)'],
      ['claim:boundary', 'sending', null],
      ['claim:sent', 'sent', null],
    ]);
    expect(await waitingIds(deps.queues.emails.queue)).toEqual([]);
    expect(
      logs
        .lines()
        .filter((l) => l.level === 50)
        .map((l) => [l.msg, l.alert, l.outboxId]),
    ).toEqual([
      ['email outcome unknown after a crash mid-send', 'email_outcome_unknown', 'claim:abandoned-earlier'],
      ['email outcome unknown after a crash mid-send', 'email_outcome_unknown', 'claim:abandoned'],
    ]);
    expect(
      logs
        .lines()
        .filter((l) => l.level === 30)
        .map((l) => [l.msg, l.emailsParked]),
    ).toEqual([['reconciliation made changes', 2]]);
  });

  it('outbox emails: pending for over 30 s get a job, oldest first; a finished job is replaced, one still to run kept', async () => {
    const now = new Date();
    const emails = deps.queues.emails;
    await failJob(emails.queue, () =>
      emails.add('send', { outboxId: 'mail:c-failed' }, { jobId: emailJobId('mail:c-failed') }),
    );
    // A job still to run (delayed by its retry backoff, say): kept as it is.
    await emails.add('send', { outboxId: 'mail:d-delayed' }, { jobId: emailJobId('mail:d-delayed'), delay: 3600_000 });
    await db().emailOutbox.insertMany([
      outboxEmail('mail:a-old', { status: 'pending', createdAt: before(now, 31_000) }),
      outboxEmail('mail:b-older', { status: 'pending', createdAt: before(now, 40_000) }),
      outboxEmail('mail:c-failed', { status: 'pending', createdAt: before(now, 50_000) }),
      outboxEmail('mail:d-delayed', { status: 'pending', createdAt: before(now, 50_000) }),
      outboxEmail('mail:e-young', { status: 'pending', createdAt: before(now, 30_000) }),
      outboxEmail('mail:f-sent', { status: 'sent', createdAt: before(now, 600_000) }),
    ]);

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, emailsQueued: 4 });

    expect(await waitingIds(emails.queue)).toEqual([
      emailJobId('mail:c-failed'),
      emailJobId('mail:b-older'),
      emailJobId('mail:a-old'),
    ]);
    expect(await (await emails.queue.getJob(emailJobId('mail:d-delayed')))?.getState()).toBe('delayed');
    const retried = await emails.queue.getJob(emailJobId('mail:c-failed'));
    expect([retried?.name, retried?.data, retried?.attemptsMade]).toEqual(['send', { outboxId: 'mail:c-failed' }, 0]);
    expect((await emails.queue.getJob(emailJobId('mail:a-old')))?.data).toEqual({ outboxId: 'mail:a-old' });
  });

  it('overdue orders: sessions closed on Stripe in order of expiry, holds released, pages invalidated; a paid one goes to completion, undecided ones wait uncounted', async () => {
    const now = new Date();
    const p = await product(10);
    const q = await product(10);
    const later = await orderWithSession(p, 1); // created first, expires last
    const sooner = await orderWithSession(p, 2);
    const paid = await orderWithSession(q, 3);
    const notDue = await orderWithSession(q, 1);
    const processing = await orderWithSession(q, 2);
    const processingToo = await orderWithSession(q, 1);
    await sim.pay(paid.sessionId);
    // Bank debits Stripe has not decided yet: neither expired nor counted.
    await sim.pay(processing.sessionId, { async: true });
    await sim.pay(processingToo.sessionId, { async: true });
    await db().orders.updateOne({ _id: later.order._id }, { $set: { expiresAt: before(now, 1000) } });
    await db().orders.updateOne({ _id: sooner.order._id }, { $set: { expiresAt: before(now, 120_000) } });
    await db().orders.updateOne({ _id: paid.order._id }, { $set: { expiresAt: before(now, 60_000) } });
    await db().orders.updateOne({ _id: processing.order._id }, { $set: { expiresAt: before(now, 30_000) } });
    await db().orders.updateOne({ _id: processingToo.order._id }, { $set: { expiresAt: before(now, 20_000) } });
    await cachePages(p, q);
    const callsBefore = sim.requests().length;

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, ordersExpired: 3 });

    expect(
      sim
        .requests()
        .slice(callsBefore)
        .map((r) => r.path),
    ).toEqual([
      `/v1/checkout/sessions/${sooner.sessionId}/expire`,
      `/v1/checkout/sessions/${paid.sessionId}/expire`,
      `/v1/checkout/sessions/${paid.sessionId}`, // not open any more: read to see that it was paid
      `/v1/checkout/sessions/${processing.sessionId}/expire`,
      `/v1/checkout/sessions/${processing.sessionId}`,
      `/v1/checkout/sessions/${processingToo.sessionId}/expire`,
      `/v1/checkout/sessions/${processingToo.sessionId}`,
      `/v1/checkout/sessions/${later.sessionId}/expire`,
    ]);
    const statuses = async (...os: { order: OrderDoc }[]) =>
      Promise.all(os.map(async (o) => (await db().orders.findOne({ _id: o.order._id }))?.status));
    expect(await statuses(later, sooner, paid, notDue, processing, processingToo)).toEqual([
      'expired',
      'expired',
      'pending_payment',
      'pending_payment',
      'pending_payment',
      'pending_payment',
    ]);
    const queued = await deps.queues.stripeEvents.queue.getJobs(['waiting'], 0, -1, true);
    expect(queued.map((j) => [j.id, j.name, j.data])).toEqual([
      [sessionJobId(paid.sessionId), 'complete-session', { kind: 'session', sessionId: paid.sessionId }],
    ]);
    expect(await levels(p)).toMatchObject({ stock: 10, reserved: 0, holds: {} });
    expect(await levels(q)).toMatchObject({ stock: 3, reserved: 7 });
    expect(await cached(p, q)).toEqual([false, true]);
  });

  it('lost webhooks: unpaid orders untouched for over 2 minutes have their session checked, oldest first; only a paid one is queued', async () => {
    const now = new Date();
    const p = await product(10);
    const paidLater = await orderWithSession(p, 1); // created first, touched last
    const unpaid = await orderWithSession(p, 1);
    const paidRecent = await orderWithSession(p, 1);
    const noSession = await createOrder(deps.database, {
      userId: new ObjectId(),
      lines: [{ productId: p._id, quantity: 1 }],
      ttlSeconds: 3600,
    });
    await sim.pay(paidLater.sessionId);
    await sim.pay(paidRecent.sessionId);
    await db().orders.updateOne({ _id: paidLater.order._id }, { $set: { updatedAt: before(now, 121_000) } });
    await db().orders.updateOne({ _id: unpaid.order._id }, { $set: { updatedAt: before(now, 300_000) } });
    await db().orders.updateOne({ _id: paidRecent.order._id }, { $set: { updatedAt: before(now, 120_000) } });
    await db().orders.updateOne({ _id: noSession._id }, { $set: { updatedAt: before(now, 300_000) } });
    const callsBefore = sim.requests().length;

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, sessionsChecked: 2 });

    expect(
      sim
        .requests()
        .slice(callsBefore)
        .map((r) => [r.method, r.path]),
    ).toEqual([
      ['GET', `/v1/checkout/sessions/${unpaid.sessionId}`],
      ['GET', `/v1/checkout/sessions/${paidLater.sessionId}`],
    ]);
    expect(await waitingIds(deps.queues.stripeEvents.queue)).toEqual([sessionJobId(paidLater.sessionId)]);
    expect(await sweepMetric('orders-unconfirmed')).toEqual({ changed: 1, unchanged: 1 });
    const job = await deps.queues.stripeEvents.queue.getJob(sessionJobId(paidLater.sessionId));
    expect([job?.name, job?.data]).toEqual(['complete-session', { kind: 'session', sessionId: paidLater.sessionId }]);
  });

  it('lost webhooks: without Stripe configured no session is checked and nothing fails', async () => {
    const now = new Date();
    const p = await product(10);
    const paid = await orderWithSession(p, 1);
    await sim.pay(paid.sessionId);
    await db().orders.updateOne({ _id: paid.order._id }, { $set: { updatedAt: before(now, 300_000) } });
    const callsBefore = sim.requests().length;

    expect(await reconcile({ ...ctx, deps: { ...deps, stripe: null } }, now)).toEqual(NOTHING);
    expect(sim.requests().length).toBe(callsBefore);
    expect(await waitingIds(deps.queues.stripeEvents.queue)).toEqual([]);
    expect(await db().sweepCursors.findOne({ _id: 'orders-unconfirmed' })).toBeNull();
  });

  it('held reservations: those of ended orders and of orders missing for over 10 minutes are released; a release that moves nothing is not counted', async () => {
    const now = new Date();
    const p = await product(10);
    const q = await product(10);
    const r = await product(10);
    const hold = async (
      target: ProductDoc,
      orderId: ObjectId,
      quantity: number,
      createdAt: Date,
    ): Promise<ReservationDoc> => {
      const id = reservationId(orderId, target._id);
      await db().products.updateOne(
        { _id: target._id },
        { $inc: { stock: -quantity, reserved: quantity }, $set: { [`holds.${id}`]: quantity } },
      );
      const doc: ReservationDoc = {
        _id: id,
        orderId,
        productId: target._id,
        quantity,
        status: 'held',
        settled: false,
        createdAt,
        updatedAt: createdAt,
      };
      await db().reservations.insertOne(doc);
      return doc;
    };
    const missingLong = await hold(p, new ObjectId(), 2, before(now, 10 * 60_000 + 1000));
    const missingRecently = await hold(q, new ObjectId(), 3, before(now, 10 * 60_000));
    const { order: ended } = await orderWithSession(r, 4);
    await db().orders.updateOne({ _id: ended._id }, { $set: { status: 'expired' } });
    // A cancelled order whose hold is no longer on the product (settled by someone else): the
    // record is closed, but no stock moves, so it is not counted.
    const { order: cancelled } = await orderWithSession(r, 1);
    await db().orders.updateOne({ _id: cancelled._id }, { $set: { status: 'cancelled' } });
    const cancelledHold = reservationId(cancelled._id, r._id);
    await db().products.updateOne(
      { _id: r._id },
      { $inc: { stock: 1, reserved: -1 }, $unset: { [`holds.${cancelledHold}`]: '' } },
    );
    await cachePages(p, q, r);

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, holdsReleased: 2 });

    const byId = async (id: string) => {
      const doc = await db().reservations.findOne({ _id: id });
      return [doc?.status, doc?.settled];
    };
    expect(await byId(missingLong._id)).toEqual(['released', true]);
    expect(await byId(missingRecently._id)).toEqual(['held', false]);
    expect(await byId(reservationId(ended._id, r._id))).toEqual(['released', true]);
    expect(await byId(cancelledHold)).toEqual(['released', true]);
    expect(await levels(p)).toMatchObject({ stock: 10, reserved: 0, holds: {} });
    expect(await levels(q)).toMatchObject({ stock: 7, reserved: 3 });
    expect(await levels(r)).toMatchObject({ stock: 10, reserved: 0, holds: {} });
    expect(await cached(p, q, r)).toEqual([false, true, false]);
  });

  it('held reservations of paid orders (a surplus a late delivery left) are released once the payment is a minute old', async () => {
    const now = new Date();
    const p = await product(10);
    const q = await product(10);
    const { order: justPaid } = await orderWithSession(p, 2);
    await db().orders.updateOne({ _id: justPaid._id }, { $set: { status: 'paid', paidAt: before(now, 60_000) } });
    const { order: paidEarlier } = await orderWithSession(q, 3);
    await db().orders.updateOne({ _id: paidEarlier._id }, { $set: { status: 'paid', paidAt: before(now, 60_001) } });

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, holdsReleased: 1 });
    expect(await levels(p)).toMatchObject({ stock: 8, reserved: 2 });
    expect(await levels(q)).toMatchObject({ stock: 10, reserved: 0, holds: {} });
    expect((await db().reservations.findOne({ _id: reservationId(justPaid._id, p._id) }))?.status).toBe('held');
    expect((await db().reservations.findOne({ _id: reservationId(paidEarlier._id, q._id) }))?.status).toBe('released');
  });

  it('ended reservations a crash left unsettled are settled on their products: a release gives units back, a sale only drops them from reserved', async () => {
    const now = new Date();
    const p = await product(10);
    const q = await product(10);
    const { order: released } = await orderWithSession(p, 2);
    const { order: consumed } = await orderWithSession(q, 3);
    await db().orders.updateOne({ _id: released._id }, { $set: { status: 'expired' } });
    await db().orders.updateOne({ _id: consumed._id }, { $set: { status: 'paid' } });
    await db().reservations.updateOne({ orderId: released._id }, { $set: { status: 'released' } });
    await db().reservations.updateOne({ orderId: consumed._id }, { $set: { status: 'consumed' } });
    await cachePages(p, q);

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, reservationsSettled: 2 });

    expect(
      (await db().reservations.find({}).sort({ quantity: 1 }).toArray()).map((r) => [r.status, r.settled]),
    ).toEqual([
      ['released', true],
      ['consumed', true],
    ]);
    expect(await levels(p)).toMatchObject({ stock: 10, reserved: 0, holds: {} });
    expect(await levels(q)).toMatchObject({ stock: 7, reserved: 0, holds: {} });
    expect(await cached(p, q)).toEqual([false, true]);
  });

  it('pending stock adjustments older than a minute are applied in the order they were made; a refused one is rejected', async () => {
    const now = new Date();
    const p = await product(1);
    const q = await product(5);
    const r = await product(5);
    const adjustment = (id: string, productId: ObjectId, delta: number, createdAt: Date) => ({
      _id: id,
      productId,
      delta,
      kind: 'delta' as const,
      reason: 'count',
      by: 'admin',
      status: 'pending' as const,
      createdAt,
    });
    await db().inventoryAdjustments.insertMany([
      // On p, +2 was made before -3: in that order both apply (1 → 3 → 0); the other way -3 is refused.
      adjustment('adj-a-minus', p._id, -3, before(now, 120_000)),
      adjustment('adj-b-plus', p._id, 2, before(now, 180_000)),
      adjustment('adj-c-young', q._id, 4, before(now, 60_000)),
      adjustment('adj-d-too-much', r._id, -6, before(now, 61_000)),
    ]);
    await cachePages(p, q, r);

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, adjustmentsApplied: 3 });

    const statuses = await db().inventoryAdjustments.find({}).sort({ _id: 1 }).toArray();
    expect(statuses.map((a) => [a._id, a.status])).toEqual([
      ['adj-a-minus', 'applied'],
      ['adj-b-plus', 'applied'],
      ['adj-c-young', 'pending'],
      ['adj-d-too-much', 'rejected'],
    ]);
    expect([(await levels(p)).stock, (await levels(q)).stock, (await levels(r)).stock]).toEqual([0, 5, 5]);
    expect(await cached(p, q, r)).toEqual([false, true, true]);
  });

  it('product markers without a record: adopted when the order exists, released when it has been missing for 10 minutes, left alone while young; the marker of an applied adjustment removed only 15 minutes after its record was marked', async () => {
    const now = wholeSecond();
    const orderAt = (msAgo: number) => ObjectId.createFromTime((now.getTime() - msAgo) / 1000);
    const markerOn = async (orderId: ObjectId, quantity: number, extra: Partial<ProductDoc> = {}) => {
      const p = await product(10, extra);
      const id = reservationId(orderId, p._id);
      await db().products.updateOne(
        { _id: p._id },
        { $inc: { stock: -quantity, reserved: quantity }, $set: { [`holds.${id}`]: quantity } },
      );
      return { p, id };
    };
    // On the in-flight boundary, its order already written: the request is still writing the record.
    const inFlightOrder = orderAt(60_000);
    const inFlight = await markerOn(inFlightOrder, 1);
    const youngOrphan = await markerOn(orderAt(10 * 60_000), 2); // on the orphan-grace boundary
    const oldOrphan = await markerOn(orderAt(10 * 60_000 + 1000), 3);
    const adoptedOrder = orderAt(61_000);
    const adopted = await markerOn(adoptedOrder, 4);
    const pendingOrder = (_id: ObjectId, p: ProductDoc, quantity: number) =>
      ({
        _id,
        userId: new ObjectId(),
        status: 'pending_payment',
        items: [{ productId: p._id, name: 'x', quantity, unitPrice: 1200 }],
        total: 1200 * quantity,
        currency: 'usd',
        expiresAt: new Date(now.getTime() + 3600_000),
        history: [],
        createdAt: _id.getTimestamp(),
        updatedAt: now,
      }) as OrderDoc;
    await db().orders.insertMany([
      pendingOrder(adoptedOrder, adopted.p, 4),
      pendingOrder(inFlightOrder, inFlight.p, 1),
    ]);
    const recordedOrder = orderAt(3600_000);
    const recorded = await markerOn(recordedOrder, 5);
    await db().reservations.insertOne({
      _id: recorded.id,
      orderId: recordedOrder,
      productId: recorded.p._id,
      quantity: 5,
      status: 'released',
      settled: true,
      createdAt: before(now, 3600_000),
      updatedAt: before(now, 3600_000),
    });
    const odd = await product(10, { holds: { 'not-a-reservation': 1 } });
    const finished = await product(10, { applied: { 'adj-finished': 2 } });
    await db().inventoryAdjustments.insertOne({
      _id: 'adj-finished',
      productId: finished._id,
      delta: 2,
      kind: 'delta',
      reason: 'count',
      by: 'admin',
      status: 'applied',
      createdAt: before(now, 3600_000),
      appliedAt: before(now, 3600_000),
    });
    // Marked applied 14 min 59.999 s ago: its marker is what turns a late second applier into a no-op.
    const recent = await product(10, { applied: { 'adj-recent': 1 } });
    await db().inventoryAdjustments.insertOne({
      _id: 'adj-recent',
      productId: recent._id,
      delta: 1,
      kind: 'restock',
      reason: 'refund',
      by: 'stripe',
      status: 'applied',
      createdAt: before(now, 15 * 60_000),
      appliedAt: before(now, 15 * 60_000 - 1),
    });
    const clean = await product(10);
    const all = [inFlight.p, youngOrphan.p, oldOrphan.p, adopted.p, recorded.p, odd, finished, recent, clean];
    await cachePages(...all);

    expect(await reconcile(ctx, now)).toEqual({ ...NOTHING, holdsReleased: 3 });

    expect(await levels(inFlight.p)).toEqual({ stock: 9, reserved: 1, holds: { [inFlight.id]: 1 }, applied: {} });
    expect(await levels(youngOrphan.p)).toEqual({ stock: 8, reserved: 2, holds: { [youngOrphan.id]: 2 }, applied: {} });
    expect(await levels(oldOrphan.p)).toEqual({ stock: 10, reserved: 0, holds: {}, applied: {} });
    expect(await levels(adopted.p)).toEqual({ stock: 6, reserved: 4, holds: { [adopted.id]: 4 }, applied: {} });
    expect(await db().reservations.findOne({ _id: adopted.id })).toMatchObject({
      orderId: adoptedOrder,
      productId: adopted.p._id,
      quantity: 4,
      status: 'held',
      settled: false,
    });
    expect(await levels(recorded.p)).toEqual({ stock: 5, reserved: 5, holds: { [recorded.id]: 5 }, applied: {} });
    expect(await levels(odd)).toEqual({ stock: 10, reserved: 0, holds: { 'not-a-reservation': 1 }, applied: {} });
    expect(await levels(finished)).toEqual({ stock: 10, reserved: 0, holds: {}, applied: {} });
    expect(await levels(recent)).toEqual({ stock: 10, reserved: 0, holds: {}, applied: { 'adj-recent': 1 } });
    expect(await db().reservations.countDocuments({})).toBe(2);
    expect(await cached(...all)).toEqual([true, true, false, true, true, true, true, true, true]);
  });
});
