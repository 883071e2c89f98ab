import type { ObjectId } from '@simple-shop/db';
import { endUnpaidOrder } from '@simple-shop/orders';
import { stockChanged, type FulfilmentContext } from './context';
import { queueEmails, recordOrderEmail } from './order-emails';

/**
 * Session expired: the unpaid order expires and its stock is released, once. An order that was
 * paid in the meantime stays paid (`expired` after `completed` changes nothing).
 */
export async function expireOrder(
  ctx: FulfilmentContext,
  orderId: ObjectId,
  sessionId: string | undefined,
): Promise<'expired' | 'unchanged'> {
  const ended = await endUnpaidOrder(ctx.deps.database, orderId, 'expired', 'checkout session expired');
  if (sessionId) {
    await ctx.deps.database.collections.payments.updateOne(
      { sessionId, status: 'open' },
      { $set: { status: 'expired', updatedAt: new Date() } },
    );
  }
  if (!ended) return 'unchanged';
  await stockChanged(ctx, ended.order.items);
  ctx.log.info({ orderId: orderId.toHexString(), released: ended.released }, 'unpaid order expired; stock released');
  return 'expired';
}

/**
 * Payment failed (declined card, failed bank transfer): the order moves to `payment_failed`, its
 * stock is released, and the customer gets one email about it. A later success is still honoured
 * by the completion path (the state machine allows payment_failed → paid).
 */
export async function failPayment(
  ctx: FulfilmentContext,
  orderId: ObjectId,
  reason: string,
): Promise<'failed' | 'unchanged'> {
  const ended = await endUnpaidOrder(ctx.deps.database, orderId, 'payment_failed', reason);
  if (!ended) return 'unchanged';
  await stockChanged(ctx, ended.order.items);
  ctx.metrics.paymentsTotal.inc({ outcome: 'failed' });
  const outboxId = await recordOrderEmail(ctx.deps, 'payment_failed', ended.order, { reason });
  await queueEmails(ctx.deps, [outboxId], ctx.correlationId);
  ctx.log.info({ orderId: orderId.toHexString(), reason, released: ended.released }, 'payment failed; stock released');
  return 'failed';
}
