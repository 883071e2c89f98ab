import type { ObjectId, OrderDoc } from '@simple-shop/db';
import { endUnpaidOrder } from '@simple-shop/orders';
import { closeSessionOrFindPaid } from './checkout-session';
import { OutcomeConflictError, result, type OutcomeDeps, type OutcomeResult } from './deps';
import { recordOrderEmail } from './order-emails';
import { refundOrder } from './refund';

/**
 * Session expired: the unpaid order expires and its stock is released, once. An order that was
 * paid in the meantime stays paid (`expired` after `completed` changes nothing).
 */
export async function expireOrder(
  deps: OutcomeDeps,
  orderId: ObjectId,
  sessionId: string | undefined,
): Promise<OutcomeResult<'expired' | 'unchanged'>> {
  const ended = await endUnpaidOrder(deps.database, orderId, 'expired', 'checkout session expired');
  if (sessionId) {
    await deps.database.collections.payments.updateOne(
      { sessionId, status: 'open' },
      { $set: { status: 'expired', updatedAt: new Date() } },
    );
  }
  if (!ended) return result('unchanged');
  deps.log.info({ orderId: orderId.toHexString(), released: ended.released.length }, 'unpaid order expired; stock released');
  return result('expired', ended.order, [], ended.released);
}

/**
 * An unpaid order past its expiry (found by reconciliation): its session is closed on Stripe
 * first, so it cannot be paid after its stock is released. If Stripe says it was paid, the
 * completion path must run instead (`paid_elsewhere`: the caller queues it); a delayed payment
 * still processing is left alone until Stripe decides.
 */
export async function expireOverdueOrder(
  deps: OutcomeDeps,
  order: Pick<OrderDoc, '_id' | 'checkoutSessionId'>,
): Promise<OutcomeResult<'expired' | 'unchanged' | 'paid_elsewhere' | 'processing'>> {
  if (order.checkoutSessionId && deps.stripe) {
    const state = await closeSessionOrFindPaid(deps.stripe, order.checkoutSessionId);
    if (state === 'paid') return result('paid_elsewhere');
    if (state === 'processing') return result('processing');
  }
  return expireOrder(deps, order._id, order.checkoutSessionId);
}

/**
 * Payment failed (declined card, failed bank transfer): the order moves to `payment_failed`, its
 * stock is released, and the customer gets one email about it. A later success is still honoured
 * by the completion path (the state machine allows payment_failed → paid).
 */
export async function failPayment(
  deps: OutcomeDeps,
  orderId: ObjectId,
  reason: string,
): Promise<OutcomeResult<'failed' | 'unchanged'>> {
  const ended = await endUnpaidOrder(deps.database, orderId, 'payment_failed', reason);
  if (!ended) return result('unchanged');
  const outboxId = await recordOrderEmail(deps.database, 'payment_failed', ended.order, { reason });
  deps.log.info({ orderId: orderId.toHexString(), reason, released: ended.released.length }, 'payment failed; stock released');
  return result('failed', ended.order, [outboxId], ended.released);
}

/**
 * The customer cancels. An unpaid order has its Checkout Session closed first (so it can no
 * longer be paid) and then its stock released; a paid order is refunded through Stripe and its
 * units restocked; a cancelled or refunded order is returned as it is (cancel is idempotent).
 */
export async function cancelOrder(
  deps: OutcomeDeps,
  order: OrderDoc,
): Promise<OutcomeResult<'cancelled' | 'refunded' | 'unchanged'>> {
  const { database, stripe } = deps;
  if (order.status === 'cancelled' || order.status === 'refunded') return result('unchanged', order);

  if (order.status === 'pending_payment') {
    if (order.checkoutSessionId && stripe) {
      const state = await closeSessionOrFindPaid(stripe, order.checkoutSessionId);
      if (state === 'paid' || state === 'processing') {
        throw new OutcomeConflictError(
          'PAYMENT_IN_PROGRESS',
          'This order has just been paid; cancel it again to refund it',
        );
      }
    }
    const ended = await endUnpaidOrder(database, order._id, 'cancelled', 'cancelled by customer');
    if (ended) return result('cancelled', ended.order, [], ended.released);
    const current = await database.collections.orders.findOne({ _id: order._id });
    if (current?.status === 'cancelled') return result('unchanged', current);
    throw new OutcomeConflictError('INVALID_STATE', `Order is ${current?.status ?? 'gone'} and cannot be cancelled`);
  }

  if (order.status === 'paid') {
    // Goods on their way are a return, handled by the order desk, not a cancel.
    if ((order.fulfilmentStatus ?? 'unfulfilled') !== 'unfulfilled') {
      throw new OutcomeConflictError('INVALID_STATE', `Order is ${order.fulfilmentStatus} and cannot be cancelled`);
    }
    const refunded = await refundOrder(deps, order, {
      reason: 'cancelled by customer after payment',
      restock: true,
      from: ['paid'],
      by: 'customer',
    });
    if (refunded.outcome === 'refunded') return { ...refunded, outcome: 'refunded' };
    const current = await database.collections.orders.findOne({ _id: order._id });
    if (current) return result('unchanged', current);
  }
  throw new OutcomeConflictError('INVALID_STATE', `An order that is ${order.status} cannot be cancelled`);
}
