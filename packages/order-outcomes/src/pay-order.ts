import { ObjectId, type OrderDoc, type ShippingAddress } from '@simple-shop/db';
import type { OrderStatus } from '@simple-shop/domain';
import {
  consumeReservations,
  moveOrder,
  releaseReservations,
  reserveMissing,
  settleReservations,
  type ShortLine,
} from '@simple-shop/orders';
import type { Stripe } from '@simple-shop/payments';
import { PermanentOutcomeError, result, type OutcomeDeps, type OutcomeLog, type OutcomeResult } from './deps';
import { recordOrderEmail } from './order-emails';
import { commitRefund, refundOrder, unrecordedOwnRefund } from './refund';

export type PaymentOutcome =
  'paid' | 'already_paid' | 'awaiting_payment' | 'amount_mismatch' | 'refunded_out_of_stock' | 'not_payable';

/** A payment may arrive after the order ended unpaid: it is still honoured (or refunded). */
export const PAYABLE_FROM: readonly OrderStatus[] = ['pending_payment', 'payment_failed', 'cancelled', 'expired'];

/** The order a Checkout Session pays for; a session without one can never be processed. */
export function orderIdOf(session: Pick<Stripe.Checkout.Session, 'id' | 'metadata' | 'client_reference_id'>): ObjectId {
  const ref = session.metadata?.orderId ?? session.client_reference_id;
  if (!ref || !/^[0-9a-f]{24}$/i.test(ref)) {
    throw new PermanentOutcomeError(`session ${session.id} carries no order reference`);
  }
  return new ObjectId(ref);
}

/**
 * A reservation was released between the re-reservation and the payment transaction (a
 * concurrent expiry). Retrying re-reserves, so this is not permanent.
 */
export class ReservationLostError extends Error {
  override name = 'ReservationLostError';
}

/** The address Checkout collected (absent when the session did not ask for one). */
function shippingAddressOf(session: Stripe.Checkout.Session): { shippingAddress?: ShippingAddress } {
  const details = session.collected_information?.shipping_details;
  const address = details?.address;
  if (!details || !address?.line1 || !address.city || !address.postal_code || !address.country) return {};
  return {
    shippingAddress: {
      name: details.name,
      line1: address.line1,
      ...(address.line2 ? { line2: address.line2 } : {}),
      city: address.city,
      postalCode: address.postal_code,
      ...(address.state ? { state: address.state } : {}),
      country: address.country,
    },
  };
}

const paymentIntentIdOf = (session: Stripe.Checkout.Session) =>
  typeof session.payment_intent === 'string' ? session.payment_intent : (session.payment_intent?.id ?? undefined);

/**
 * The one completion path for a paid Checkout Session (webhook `completed` /
 * `async_payment_succeeded`, verify-session, reconciliation). In ONE transaction: the order moves
 * to `paid`, its reservations are consumed, the payment is recorded and the confirmation email is
 * put in the outbox — all or nothing, and no product document is written in it. Repeating it
 * changes nothing. If the order's stock is gone (its reservation lapsed and the units were sold),
 * the payment is refunded instead and the customer told.
 */
export async function payOrder(
  deps: OutcomeDeps,
  session: Stripe.Checkout.Session,
): Promise<OutcomeResult<PaymentOutcome>> {
  const { database } = deps;
  const orderId = orderIdOf(session);
  if (session.payment_status !== 'paid') return result('awaiting_payment');
  const order = await database.collections.orders.findOne({ _id: orderId });
  // Retryable: Stripe can be faster than our own write (or replication) of the order.
  if (!order) throw new Error(`order ${orderId.toHexString()} not found`);
  const log = deps.log.child({ orderId: orderId.toHexString(), sessionId: session.id });

  if (order.status === 'paid') return result('already_paid');
  if (order.status === 'refunded' || order.status === 'needs_review') return result('not_payable');
  // The flat shipping rate was fixed on the order before the session was created.
  if (session.amount_total !== order.total + (order.shippingAmount ?? 0) || session.currency !== order.currency) {
    return holdForReview(deps, order, session, log);
  }

  // A refund for lack of stock was asked of Stripe before (and not recorded: a crash, or Stripe
  // failed): finish that one. Paying now, because stock came back meanwhile, would ship goods
  // whose money Stripe has already returned.
  if (order.outOfStockRefund) return refundOutOfStock(deps, order, session, order.outOfStockRefund.reason);

  const { short, retaken } = await reserveMissing(database, orderId, order.items);
  if (short.length > 0) {
    return refundOutOfStock(
      deps,
      order,
      session,
      `paid after the reservation lapsed and ${short.length} item(s) sold out`,
      short,
    );
  }

  const paymentIntentId = paymentIntentIdOf(session);
  const now = new Date();
  const paid = await database.transaction(async (tx) => {
    const moved = await moveOrder(database, orderId, 'paid', {
      from: PAYABLE_FROM,
      // Another delivery may have decided to refund for lack of stock since the order was read.
      where: { outOfStockRefund: { $exists: false } },
      set: { paidAt: now, ...shippingAddressOf(session) },
      session: tx,
      reason: 'payment succeeded',
      by: 'stripe',
      timeline: { from: order.status },
    });
    if (!moved) return null; // another delivery got here first
    const missing = await consumeReservations(database, orderId, moved.items, tx);
    if (missing.length > 0)
      throw new ReservationLostError(`reservations of order ${orderId.toHexString()} were released`);
    await database.collections.payments.updateOne(
      { sessionId: session.id },
      {
        $set: {
          status: 'succeeded',
          ...(paymentIntentId ? { paymentIntentId } : {}),
          amount: session.amount_total ?? moved.total,
          updatedAt: now,
        },
        $setOnInsert: {
          orderId,
          userId: moved.userId,
          provider: 'stripe',
          sessionId: session.id,
          currency: moved.currency,
          createdAt: now,
        },
      },
      { upsert: true, session: tx },
    );
    const outboxId = await recordOrderEmail(database, 'order_confirmation', moved, {}, tx);
    return { order: moved, outboxId };
  });
  if (!paid) {
    // Paid by another delivery, or another delivery found the stock gone and decided to refund:
    // anything this call re-reserved is surplus either way.
    const released = retaken.length > 0 ? await releaseReservations(database, orderId) : [];
    const current = await database.collections.orders.findOne({ _id: orderId });
    if (current?.outOfStockRefund && PAYABLE_FROM.includes(current.status as OrderStatus)) {
      // That refund may already be at Stripe: it is finished here, never paid over.
      const refunded = await refundOutOfStock(deps, current, session, current.outOfStockRefund.reason);
      return { ...refunded, stockChanged: [...retaken, ...released, ...refunded.stockChanged] };
    }
    return result('already_paid', null, [], [...retaken, ...released]);
  }
  // The sold units leave `reserved` on their products now; available stock does not change.
  await settleReservations(database, orderId);
  log.info({ total: order.total, currency: order.currency }, 'order paid');
  return result('paid', paid.order, [paid.outboxId], retaken);
}

async function holdForReview(
  deps: OutcomeDeps,
  order: OrderDoc,
  session: Stripe.Checkout.Session,
  log: OutcomeLog,
): Promise<OutcomeResult<PaymentOutcome>> {
  const moved = await moveOrder(deps.database, order._id, 'needs_review', {
    reason: `amount mismatch: paid ${session.amount_total} ${session.currency}, order ${order.total} ${order.currency}`,
    from: PAYABLE_FROM,
  });
  if (moved) {
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
  return result('amount_mismatch', moved);
}

/**
 * Paid, but the stock went to someone else while the reservation had lapsed: refund, once. The
 * decision is written on the order before Stripe is called, so a crash between Stripe's refund and
 * its commit can only end in that refund being finished by the next delivery, never in `paid`.
 */
async function refundOutOfStock(
  deps: OutcomeDeps,
  order: OrderDoc,
  session: Stripe.Checkout.Session,
  reason: string,
  short: readonly ShortLine[] = [],
): Promise<OutcomeResult<PaymentOutcome>> {
  const paymentIntentId = paymentIntentIdOf(session);
  if (!deps.stripe || !paymentIntentId) throw new Error('cannot refund: Stripe or the payment intent is missing');
  let refunded: OutcomeResult<'refunded' | 'partially_refunded' | 'unchanged'>;
  // Resuming: Stripe may have made the refund already (its idempotency key lasts 24 h, so look
  // rather than ask again).
  const made = order.outOfStockRefund ? await unrecordedOwnRefund(deps, order._id, paymentIntentId) : undefined;
  if (made) {
    refunded = await commitRefund(deps, order._id, {
      reason,
      restock: false,
      from: PAYABLE_FROM,
      refundId: made.id,
      paymentIntentId,
      by: 'system:out-of-stock',
      amount: made.amount,
      session,
    });
  } else {
    if (!order.outOfStockRefund) await markOutOfStockRefund(deps, order._id, { paymentIntentId, reason });
    refunded = await refundOrder(deps, order, {
      reason,
      restock: false,
      from: PAYABLE_FROM,
      by: 'system:out-of-stock',
      paymentIntentId,
      session,
    });
  }
  if (refunded.outcome !== 'refunded') return result('not_payable', null, [], refunded.stockChanged);
  deps.log.warn(
    { orderId: order._id.toHexString(), missing: short.map((s) => s.productId) },
    'paid order refunded: out of stock',
  );
  return { ...refunded, outcome: 'refunded_out_of_stock' };
}

/** Writes the refund decision on the order (unless another delivery paid, ended or marked it first). */
async function markOutOfStockRefund(
  deps: OutcomeDeps,
  orderId: ObjectId,
  refund: { paymentIntentId: string; reason: string },
): Promise<void> {
  const marked = await deps.database.collections.orders.updateOne(
    { _id: orderId, status: { $in: [...PAYABLE_FROM] }, outOfStockRefund: { $exists: false } },
    { $set: { outOfStockRefund: { ...refund, at: new Date() } } },
  );
  if (marked.modifiedCount === 1) return;
  const now = await deps.database.collections.orders.findOne({ _id: orderId }, { projection: { outOfStockRefund: 1 } });
  // Paid or ended by another delivery: retrying starts over from the order as it is now.
  if (!now?.outOfStockRefund) throw new Error(`order ${orderId.toHexString()} changed while refunding`);
}
