import { emailJobId, ObjectId } from '@simple-shop/db';
import { releaseHolds } from '@simple-shop/orders';
import { stockChanged, type FulfilmentContext } from '../fulfilment/context';
import { SEND_LEASE_MS } from '../jobs/send-email';
import { expireOrder } from '../fulfilment/end-unpaid';

export interface ReconcileSummary {
  eventsQueued: number;
  emailsQueued: number;
  ordersExpired: number;
  sessionsChecked: number;
  holdsReleased: number;
}

const BATCH = 100;
const isNotOpen = (error: unknown) => (error as { statusCode?: number })?.statusCode === 400;

/**
 * The safety net, run on a schedule by one worker at a time (BullMQ job scheduler):
 * 1. events recorded while Redis was down are queued;
 * 2. outbox emails that never got a job are queued;
 * 3. unpaid orders past their expiry have their session expired on Stripe and stock released —
 *    unless Stripe says the session was paid, which goes to the completion path instead;
 * 4. unpaid orders whose session Stripe reports paid (a lost webhook) converge the same way;
 * 5. holds left on products by orders that no longer hold stock (a crash mid-release) are freed.
 * Every step is idempotent; running it twice, or on two workers, changes nothing more.
 */
export async function reconcile(ctx: FulfilmentContext, now = new Date()): Promise<ReconcileSummary> {
  const { database, queues, stripe } = ctx.deps;
  const { webhookEvents, emailOutbox, orders, products } = database.collections;
  const summary: ReconcileSummary = {
    eventsQueued: 0,
    emailsQueued: 0,
    ordersExpired: 0,
    sessionsChecked: 0,
    holdsReleased: 0,
  };
  const ago = (ms: number) => new Date(now.getTime() - ms);

  // `received`: never queued (Redis was down at ingest). `queued` for over 15 s: its job may
  // be gone (Redis lost its data) or failed by BullMQ itself (stalled too often after crashes)
  // without reaching our handler. Either way the recorded event is handed to a worker again.
  const unsettled = await webhookEvents
    .find({
      $or: [
        { status: 'received', receivedAt: { $lt: ago(5000) } },
        { status: 'queued', queuedAt: { $lt: ago(15_000) } },
      ],
    })
    .limit(BATCH)
    .toArray();
  for (const event of unsettled) {
    const job = await queues.stripeEvents.queue.getJob(event._id);
    if (!job) {
      await queues.stripeEvents.add(
        'webhook',
        { kind: 'webhook', eventId: event._id, type: event.type },
        { jobId: event._id },
      );
    } else if (await job.isFailed()) {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } else {
      continue; // waiting, delayed or running: it will be processed
    }
    await webhookEvents.updateOne(
      { _id: event._id, status: { $in: ['received', 'queued'] } },
      { $set: { status: 'queued', queuedAt: now } },
    );
    summary.eventsQueued += 1;
  }

  // A claim older than the send lease belongs to a worker that died mid-send: outcome unknown,
  // never re-sent (at most once); operators are alerted by the log line.
  const abandoned = await emailOutbox
    .find({ status: 'sending', claimedAt: { $lt: ago(SEND_LEASE_MS) } })
    .limit(BATCH)
    .toArray();
  for (const email of abandoned) {
    const parked = await emailOutbox.updateOne(
      { _id: email._id, status: 'sending', claimedBy: email.claimedBy },
      { $set: { status: 'unknown', lastError: 'worker stopped while sending; not re-sent (at most once)' } },
    );
    if (parked.modifiedCount === 1) {
      ctx.log.error(
        { outboxId: email._id, alert: 'email_outcome_unknown' },
        'email outcome unknown after a crash mid-send',
      );
    }
  }

  for (const email of await emailOutbox
    .find({ status: 'pending', createdAt: { $lt: ago(30_000) } })
    .limit(BATCH)
    .toArray()) {
    const jobId = emailJobId(email._id);
    // A finished job under this id would make the add a no-op for a day (kept completed jobs): that is
    // an email an operator put back to `pending` after checking it (EmailOutcomeUnknown runbook).
    const earlier = await queues.emails.queue.getJob(jobId);
    const state = await earlier?.getState();
    if (state === 'completed' || state === 'failed') await earlier!.remove();
    await queues.emails.add('send', { outboxId: email._id }, { jobId });
    summary.emailsQueued += 1;
  }

  for (const order of await orders
    .find({ status: 'pending_payment', expiresAt: { $lt: now } })
    .limit(BATCH)
    .toArray()) {
    if (order.checkoutSessionId && stripe) {
      try {
        await stripe.checkout.sessions.expire(order.checkoutSessionId);
      } catch (error) {
        if (!isNotOpen(error)) throw error;
        const session = await stripe.checkout.sessions.retrieve(order.checkoutSessionId);
        if (session.payment_status === 'paid') {
          await queues.stripeEvents.add(
            'complete-session',
            { kind: 'session', sessionId: session.id },
            { jobId: `session-${session.id}` },
          );
          continue;
        }
      }
    }
    if ((await expireOrder(ctx, order._id, order.checkoutSessionId)) === 'expired') summary.ordersExpired += 1;
  }

  if (stripe) {
    const stale = await orders
      .find({ status: 'pending_payment', checkoutSessionId: { $exists: true }, updatedAt: { $lt: ago(120_000) } })
      .limit(BATCH)
      .toArray();
    for (const order of stale) {
      const session = await stripe.checkout.sessions.retrieve(order.checkoutSessionId!);
      summary.sessionsChecked += 1;
      if (session.payment_status === 'paid') {
        await queues.stripeEvents.add(
          'complete-session',
          { kind: 'session', sessionId: session.id },
          { jobId: `session-${session.id}` },
        );
      }
    }
  }

  for (const product of await products
    .find({ holds: { $exists: true } })
    .limit(BATCH * 10)
    .toArray()) {
    for (const [orderHex, quantity] of Object.entries(product.holds ?? {})) {
      if (!/^[0-9a-f]{24}$/.test(orderHex)) continue;
      const orderId = new ObjectId(orderHex);
      const order = await orders.findOne({ _id: orderId });
      const holding = order && (order.status === 'pending_payment' || order.status === 'needs_review');
      // An order-less hold is only stale once its creator had time to insert the order.
      const abandoned = !order && orderId.getTimestamp() < ago(10 * 60_000);
      if (holding || (!order && !abandoned)) continue;
      const released = await releaseHolds(products, orderId, [{ productId: product._id, quantity }]);
      if (released > 0) await stockChanged(ctx, [{ productId: product._id }]);
      summary.holdsReleased += released;
    }
  }

  if (Object.values(summary).some((n) => n > 0)) ctx.log.info({ ...summary }, 'reconciliation made changes');
  return summary;
}
