import { ObjectId } from '@simple-shop/db';
import { moveOrder } from '@simple-shop/orders';
import type { Stripe } from '@simple-shop/payments';
import { stockChanged, type FulfilmentContext } from './context';
import { queueEmails, recordOrderEmail } from './order-emails';

/**
 * `charge.refunded`: refunds we made ourselves already moved the order (this is then a no-op);
 * a full refund made elsewhere (the Stripe dashboard) moves a paid order to `refunded`, puts its
 * units back in stock and tells the customer — in one transaction, so it happens once.
 */
export async function chargeRefunded(ctx: FulfilmentContext, charge: Stripe.Charge): Promise<'refunded' | 'unchanged'> {
  const { database } = ctx.deps;
  if (!charge.refunded) return 'unchanged'; // partial refunds are recorded by Stripe; the order stays paid
  const paymentIntentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  const ref = charge.metadata?.orderId;
  const payment = paymentIntentId ? await database.collections.payments.findOne({ paymentIntentId }) : null;
  const orderId = payment?.orderId ?? (ref && /^[0-9a-f]{24}$/i.test(ref) ? new ObjectId(ref) : null);
  if (!orderId) return 'unchanged';

  const reason = 'refunded in Stripe';
  const result = await database.transaction(async (tx) => {
    const refunded = await moveOrder(database, orderId, 'refunded', {
      from: ['paid'],
      reason,
      set: { refundedAt: new Date() },
      session: tx,
    });
    if (!refunded) return null;
    for (const item of refunded.items) {
      await database.collections.products.updateOne(
        { _id: item.productId },
        { $inc: { stock: item.quantity } },
        { session: tx },
      );
    }
    if (payment) {
      await database.collections.payments.updateOne(
        { _id: payment._id },
        { $set: { status: 'refunded', updatedAt: new Date() } },
        { session: tx },
      );
    }
    return {
      order: refunded,
      emails: [await recordOrderEmail(ctx.deps, 'order_refunded', refunded, { reason, refundId: charge.id }, tx)],
    };
  });
  if (!result) return 'unchanged';
  const { emails } = result;
  await stockChanged(ctx, result.order.items);
  ctx.log.info({ orderId: orderId.toHexString() }, 'order refunded from Stripe; stock returned');
  await queueEmails(ctx.deps, emails, ctx.correlationId);
  return 'refunded';
}
