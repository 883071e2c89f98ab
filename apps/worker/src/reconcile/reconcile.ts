import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { expireOverdueOrder } from '@simple-shop/order-outcomes';
import {
  applyAdjustment,
  clearAppliedMarker,
  HOLDS_NO_STOCK,
  orderHexOfReservation,
  releaseReservations,
  resolveOrphanHold,
  settleReservation,
} from '@simple-shop/orders';
import type { OrderStatus } from '@simple-shop/domain';
import { emailJobId, sessionJobId, webhookJobId } from '@simple-shop/queue';
import { followUp, outcomeDeps, stockChanged, type FulfilmentContext } from '../fulfilment/context';
import { SEND_LEASE_MS } from '../jobs/send-email';
import { runSweep, type SweepRun } from './sweep';

export interface ReconcileSummary {
  eventsQueued: number;
  emailsQueued: number;
  emailsParked: number;
  ordersExpired: number;
  sessionsChecked: number;
  holdsReleased: number;
  reservationsSettled: number;
  adjustmentsApplied: number;
  itemsFailed: number;
}

/** A marker or adjustment this young may belong to a request still in flight. */
const IN_FLIGHT_MS = 60_000;
/** A reservation whose order does not exist is abandoned only after its creator had time to insert it. */
const ORPHAN_GRACE_MS = 10 * 60_000;
/**
 * A held reservation of a `paid` order is a surplus (a late delivery re-reserved, then found the order
 * paid, and died before giving it back), released here. Only once the payment is a minute old: the
 * payment transaction moves the order to `paid` and consumes the reservation together, and a reader
 * that could see the first write without the second (the offline stand-in shows a transaction's
 * writes one by one) would otherwise give back units that were just sold.
 */
const PAID_SURPLUS_GRACE_MS = 60_000;

/**
 * The safety net, run on a schedule by one worker at a time (BullMQ job scheduler). Each step is
 * a paging sweep (see sweep.ts: indexed, resumable, bounded per run, one bad item never stops it):
 * 1. events recorded while Redis was down, or whose job was lost, are queued again;
 * 2. email claims older than the send lease are parked as outcome unknown (at most once);
 * 3. outbox emails that never got a job are queued;
 * 4. unpaid orders past their expiry are expired (their session closed on Stripe first) — unless
 *    Stripe says the session was paid, which goes to the completion path instead;
 * 5. unpaid orders whose session Stripe reports paid (a lost webhook) converge the same way;
 * 6. reservations: held ones of orders that ended are released, ended ones are settled on their
 *    products, and product markers a crash left without a record are adopted or released;
 * 7. stock adjustments a crash left pending are applied.
 * Every step is idempotent; running it twice, or on two workers, changes nothing more.
 */
export async function reconcile(ctx: FulfilmentContext, now = new Date()): Promise<ReconcileSummary> {
  const { database, queues, stripe } = ctx.deps;
  const { webhookEvents, emailOutbox, orders, products, reservations, inventoryAdjustments } = database.collections;
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const runs: Record<string, SweepRun> = {};

  // `received`: never queued (Redis was down at ingest). `queued` for over 15 s: its job may be gone
  // (Redis lost its data) or failed by BullMQ itself (stalled too often after crashes) without
  // reaching our handler. Either way the recorded event is handed to a worker again.
  runs.events = await runSweep(ctx, {
    name: 'webhook-events',
    collection: webhookEvents,
    filter: { status: { $in: ['received', 'queued'] }, receivedAt: { $lt: ago(5000) } },
    sortField: 'receivedAt',
    handle: async (event) => {
      // A `queued` record without `queuedAt` (written before the field existed) counts from its receipt.
      if (event.status === 'queued' && (event.queuedAt ?? event.receivedAt) >= ago(15_000)) return false;
      const job = await queues.stripeEvents.queue.getJob(webhookJobId(event._id));
      if (!job) {
        await queues.stripeEvents.add(
          'webhook',
          { kind: 'webhook', eventId: event._id, type: event.type },
          { jobId: webhookJobId(event._id) },
        );
      } else if (await job.isFailed()) {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      } else {
        return false; // waiting, delayed or running: it will be processed
      }
      await webhookEvents.updateOne(
        { _id: event._id, status: { $in: ['received', 'queued'] } },
        { $set: { status: 'queued', queuedAt: now } },
      );
      return true;
    },
  });

  // A claim older than the send lease belongs to a worker that died mid-send: outcome unknown,
  // never re-sent (at most once); operators are alerted by the log line and the gauge.
  runs.claims = await runSweep(ctx, {
    name: 'email-claims',
    collection: emailOutbox,
    filter: { status: 'sending', claimedAt: { $lt: ago(SEND_LEASE_MS) } },
    sortField: 'claimedAt',
    handle: async (email) => {
      const parked = await emailOutbox.updateOne(
        { _id: email._id, status: 'sending', claimedBy: email.claimedBy },
        { $set: { status: 'unknown', lastError: 'worker stopped while sending; not re-sent (at most once)' } },
      );
      if (parked.modifiedCount !== 1) return false;
      ctx.log.error(
        { outboxId: email._id, alert: 'email_outcome_unknown' },
        'email outcome unknown after a crash mid-send',
      );
      return true;
    },
  });

  runs.emails = await runSweep(ctx, {
    name: 'email-outbox',
    collection: emailOutbox,
    filter: { status: 'pending', createdAt: { $lt: ago(30_000) } },
    sortField: 'createdAt',
    handle: async (email) => {
      const jobId = emailJobId(email._id);
      // A finished job under this id would make the add a no-op for a day (kept completed jobs): that
      // is an email an operator put back to `pending` after checking it (EmailOutcomeUnknown runbook).
      const earlier = await queues.emails.queue.getJob(jobId);
      const state = await earlier?.getState();
      if (state === 'completed' || state === 'failed') await earlier!.remove();
      await queues.emails.add('send', { outboxId: email._id }, { jobId });
      return true;
    },
  });

  const completeSession = (sessionId: string) =>
    queues.stripeEvents.add('complete-session', { kind: 'session', sessionId }, { jobId: sessionJobId(sessionId) });

  runs.overdue = await runSweep(ctx, {
    name: 'orders-overdue',
    collection: orders,
    filter: { status: 'pending_payment', expiresAt: { $lt: now } },
    sortField: 'expiresAt',
    handle: async (order) => {
      const outcome = await expireOverdueOrder(outcomeDeps(ctx), order);
      if (outcome.outcome === 'paid_elsewhere') await completeSession(order.checkoutSessionId!);
      await followUp(ctx, outcome);
      return outcome.outcome === 'expired' || outcome.outcome === 'paid_elsewhere';
    },
  });

  if (stripe) {
    runs.unconfirmed = await runSweep(ctx, {
      name: 'orders-unconfirmed',
      collection: orders,
      filter: { status: 'pending_payment', checkoutSessionId: { $exists: true }, updatedAt: { $lt: ago(120_000) } },
      sortField: 'updatedAt',
      handle: async (order) => {
        const session = await stripe.checkout.sessions.retrieve(order.checkoutSessionId!);
        if (session.payment_status !== 'paid') return false;
        await completeSession(session.id);
        return true;
      },
    });
  }

  runs.heldReservations = await runSweep(ctx, {
    name: 'reservations-held',
    collection: reservations,
    filter: { status: 'held' },
    sortField: 'createdAt',
    loadPage: async (page) => {
      const found = await orders.find({ _id: { $in: page.map((r) => r.orderId) } }).toArray();
      return new Map(found.map((o) => [o._id.toHexString(), o]));
    },
    handle: async (reservation, pageOrders) => {
      const order = pageOrders.get(reservation.orderId.toHexString());
      const abandoned = !order && reservation.createdAt < ago(ORPHAN_GRACE_MS);
      if (!abandoned && !(order && HOLDS_NO_STOCK.includes(order.status as OrderStatus))) return false;
      if (order?.status === 'paid' && order.paidAt && order.paidAt >= ago(PAID_SURPLUS_GRACE_MS)) return false;
      const released = await releaseReservations(database, reservation.orderId);
      await stockChanged(ctx, released);
      return released.length > 0;
    },
  });

  runs.unsettled = await runSweep(ctx, {
    name: 'reservations-unsettled',
    collection: reservations,
    filter: { settled: false, status: { $in: ['consumed', 'released'] } },
    sortField: '_id',
    handle: async (reservation) => {
      if (await settleReservation(database, reservation)) await stockChanged(ctx, [reservation.productId]);
      return true;
    },
  });

  runs.adjustments = await runSweep(ctx, {
    name: 'inventory-adjustments',
    collection: inventoryAdjustments,
    filter: { status: 'pending', createdAt: { $lt: ago(IN_FLIGHT_MS) } },
    sortField: 'createdAt',
    handle: async (adjustment) => {
      const applied = await applyAdjustment(database, adjustment._id);
      if (applied?.status === 'applied') await stockChanged(ctx, [adjustment.productId]);
      return true;
    },
  });

  runs.markers = await runSweep(ctx, {
    name: 'product-markers',
    collection: products,
    filter: {},
    sortField: '_id',
    maxItems: 5000,
    handle: (product) => resolveMarkers(ctx, product, now),
  });

  const summary: ReconcileSummary = {
    eventsQueued: runs.events.changed,
    emailsParked: runs.claims.changed,
    emailsQueued: runs.emails.changed,
    ordersExpired: runs.overdue.changed,
    sessionsChecked: runs.unconfirmed?.seen ?? 0,
    holdsReleased: runs.heldReservations.changed + runs.markers.changed,
    reservationsSettled: runs.unsettled.changed,
    adjustmentsApplied: runs.adjustments.changed,
    itemsFailed: Object.values(runs).reduce((n, run) => n + run.failed, 0),
  };
  if (Object.values(summary).some((n) => n > 0)) ctx.log.info({ ...summary }, 'reconciliation made changes');
  return summary;
}

/**
 * A product's markers that have no live record behind them: a hold whose reservation record was
 * never written (adopted if its order exists, released if not), an applied adjustment whose record
 * was not marked (finished), and an applied adjustment's marker once its retention is over
 * (removed). Young hold markers are left to the request that made them.
 */
async function resolveMarkers(ctx: FulfilmentContext, product: ProductDoc, now: Date): Promise<boolean> {
  const { database } = ctx.deps;
  const ago = (ms: number) => new Date(now.getTime() - ms);
  let changed = false;
  for (const [id, quantity] of Object.entries(product.holds ?? {})) {
    const orderHex = orderHexOfReservation(id);
    if (!orderHex || new ObjectId(orderHex).getTimestamp() >= ago(IN_FLIGHT_MS)) continue;
    if (await database.collections.reservations.findOne({ _id: id })) continue;
    const orderExists = (await database.collections.orders.findOne({ _id: new ObjectId(orderHex) })) !== null;
    if (!orderExists && new ObjectId(orderHex).getTimestamp() >= ago(ORPHAN_GRACE_MS)) continue;
    if (await resolveOrphanHold(database, product._id, id, quantity, orderExists)) {
      await stockChanged(ctx, [product._id]);
    }
    changed = true;
  }
  for (const id of Object.keys(product.applied ?? {})) {
    if (await clearAppliedMarker(database, product._id, id, now)) changed = true;
  }
  return changed;
}
