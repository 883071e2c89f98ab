import { ObjectId, type OrderDoc } from '@simple-shop/db';
import type { OrderStatus } from '@simple-shop/domain';
import { consumeHolds, moveOrder, type HoldLine } from '@simple-shop/orders';
import { refundOrder, type Stripe } from '@simple-shop/payments';
import { stockChanged, type FulfilmentContext } from './context';
import { PermanentError } from './errors';
import { queueEmails, recordOrderEmail } from './order-emails';

export type CompletionOutcome =
  'paid' | 'already_paid' | 'awaiting_payment' | 'amount_mismatch' | 'refunded_out_of_stock' | 'not_payable';

/** A payment may arrive after the order ended unpaid: it is still honoured (or refunded). */
const PAYABLE_FROM: readonly OrderStatus[] = ['pending_payment', 'payment_failed', 'cancelled', 'expired'];

class OutOfStock extends Error {
  constructor(readonly missing: HoldLine[]) {
    super(`out of stock: ${missing.map((m) => m.productId.toHexString()).join(', ')}`);
  }
}

export function orderIdOf(session: Stripe.Checkout.Session): ObjectId {
  const ref = session.metadata?.orderId ?? session.client_reference_id;
  if (!ref || !/^[0-9a-f]{24}$/i.test(ref))
    throw new PermanentError(`session ${session.id} carries no order reference`);
  return new ObjectId(ref);
}

export async function loadOrder(ctx: FulfilmentContext, orderId: ObjectId): Promise<OrderDoc> {
  const order = await ctx.deps.database.collections.orders.findOne({ _id: orderId });
  // Retryable: Stripe can be faster than our own write (or replication) of the order.
  if (!order) throw new Error(`order ${orderId.toHexString()} not found`);
  return order;
}

function paymentIntentIdOf(session: Stripe.Checkout.Session): string | undefined {
  const pi = session.payment_intent;
  return typeof pi === 'string' ? pi : (pi?.id ?? undefined);
}

/**
 * The one completion path for a paid Checkout Session (webhook `completed` /
 * `async_payment_succeeded`, verify-session, reconciliation). In ONE transaction: the order moves
 * to `paid`, its holds are consumed, the payment is recorded and the confirmation email is put in
 * the outbox — all or nothing. Repeating it changes nothing. If the order's stock is gone (its
 * hold lapsed), the payment is refunded instead and the customer told.
 */
export async function completeCheckout(
  ctx: FulfilmentContext,
  session: Stripe.Checkout.Session,
): Promise<CompletionOutcome> {
  const { database } = ctx.deps;
  const orderId = orderIdOf(session);
  if (session.payment_status !== 'paid') return 'awaiting_payment';
  const order = await loadOrder(ctx, orderId);
  const log = ctx.log.child({ orderId: orderId.toHexString(), sessionId: session.id });

  if (order.status === 'paid' || order.status === 'refunded' || order.status === 'needs_review') {
    return order.status === 'paid' ? 'already_paid' : 'not_payable';
  }
  if (session.amount_total !== order.total || session.currency !== order.currency) {
    const moved = await moveOrder(database, orderId, 'needs_review', {
      reason: `amount mismatch: paid ${session.amount_total} ${session.currency}, order ${order.total} ${order.currency}`,
      from: PAYABLE_FROM,
    });
    if (moved) {
      ctx.metrics.paymentsTotal.inc({ outcome: 'amount_mismatch' });
      log.error(
        {
          alert: 'payment_amount_mismatch',
          paid: session.amount_total,
          paidCurrency: session.currency,
          expected: order.total,
          expectedCurrency: order.currency,
        },
        'ALERT: paid amount does not match the order; order moved to needs_review, stock untouched',
      );
    }
    return 'amount_mismatch';
  }

  const paymentIntentId = paymentIntentIdOf(session);
  const now = new Date();
  let emails: (string | null)[] | null;
  try {
    emails = await database.transaction(async (tx) => {
      const paid = await moveOrder(database, orderId, 'paid', {
        from: PAYABLE_FROM,
        set: { paidAt: now },
        session: tx,
        reason: 'payment succeeded',
      });
      if (!paid) return null; // another delivery got here first
      const missing = await consumeHolds(database.collections.products, orderId, paid.items, tx);
      if (missing.length > 0) throw new OutOfStock(missing);
      await database.collections.payments.updateOne(
        { sessionId: session.id },
        {
          $set: {
            status: 'succeeded',
            ...(paymentIntentId ? { paymentIntentId } : {}),
            amount: session.amount_total ?? paid.total,
            updatedAt: now,
          },
          $setOnInsert: {
            orderId,
            userId: paid.userId,
            provider: 'stripe',
            sessionId: session.id,
            currency: paid.currency,
            createdAt: now,
          },
        },
        { upsert: true, session: tx },
      );
      return [await recordOrderEmail(ctx.deps, 'order_confirmation', paid, {}, tx)];
    });
  } catch (error) {
    if (!(error instanceof OutOfStock)) throw error;
    return refundOutOfStock(ctx, order, paymentIntentId, error.missing, session);
  }
  if (emails === null) return 'already_paid';
  await stockChanged(ctx, order.items);
  ctx.metrics.paymentsTotal.inc({ outcome: 'succeeded' });
  ctx.metrics.paymentsSuccess.inc();
  log.info({ total: order.total, currency: order.currency }, 'order paid');
  await queueEmails(ctx.deps, emails, ctx.correlationId);
  return 'paid';
}

/** Paid, but the stock went to someone else while the hold had lapsed: refund, once. */
async function refundOutOfStock(
  ctx: FulfilmentContext,
  order: OrderDoc,
  paymentIntentId: string | undefined,
  missing: HoldLine[],
  session: Stripe.Checkout.Session,
): Promise<CompletionOutcome> {
  const { database, stripe } = ctx.deps;
  if (!stripe || !paymentIntentId) throw new Error('cannot refund: Stripe or the payment intent is missing');
  const reason = `paid after the reservation lapsed and ${missing.length} item(s) sold out`;
  const emails: (string | null)[] = [];
  const { order: refunded, refundId } = await refundOrder(database, stripe, order, {
    reason,
    restock: false,
    from: PAYABLE_FROM,
    paymentIntentId,
    inTransaction: async (tx, updated, refund) => {
      await database.collections.payments.updateOne(
        { sessionId: session.id },
        {
          $set: { status: 'refunded', paymentIntentId, refundId: refund, updatedAt: new Date() },
          $setOnInsert: {
            orderId: updated._id,
            userId: updated.userId,
            provider: 'stripe',
            sessionId: session.id,
            amount: updated.total,
            currency: updated.currency,
            createdAt: new Date(),
          },
        },
        { upsert: true, session: tx },
      );
      emails.push(await recordOrderEmail(ctx.deps, 'order_refunded', updated, { reason, refundId: refund }, tx));
    },
  });
  if (!refunded) return 'not_payable';
  ctx.metrics.paymentsTotal.inc({ outcome: 'refunded_out_of_stock' });
  ctx.log.warn(
    { orderId: order._id.toHexString(), refundId, missing: missing.map((m) => m.productId.toHexString()) },
    'paid order refunded: out of stock',
  );
  await queueEmails(ctx.deps, emails, ctx.correlationId);
  return 'refunded_out_of_stock';
}
