import type { Database, OrderDoc } from '@simple-shop/db';
import type { OrderStatus } from '@simple-shop/domain';
import { moveOrder } from '@simple-shop/orders';
import type Stripe from 'stripe';

export function refundIdempotencyKey(orderId: string): string {
  return `order-${orderId}-refund`;
}

/**
 * Refunds an order's payment through Stripe (one refund per order, by idempotency key) and then
 * moves it to `refunded`. When `restock` is set (the order's stock was consumed at payment), the
 * units go back to stock in the same transaction as the status move, so they return once.
 */
export async function refundOrder(
  database: Database,
  stripe: Stripe,
  order: OrderDoc,
  options: { reason: string; restock: boolean; from: readonly OrderStatus[] },
): Promise<{ order: OrderDoc | null; refundId: string }> {
  const orderId = order._id.toHexString();
  const payment = await database.collections.payments.findOne(
    { orderId: order._id, paymentIntentId: { $exists: true } },
    { sort: { createdAt: -1 } },
  );
  if (!payment?.paymentIntentId) throw new Error(`order ${orderId} has no captured payment to refund`);

  const refund = await stripe.refunds.create(
    {
      payment_intent: payment.paymentIntentId,
      reason: 'requested_by_customer',
      metadata: { orderId, reason: options.reason },
    },
    { idempotencyKey: refundIdempotencyKey(orderId) },
  );

  const moved = await database.transaction(async (session) => {
    const updated = await moveOrder(database, order._id, 'refunded', {
      reason: options.reason,
      from: options.from,
      set: { refundedAt: new Date() },
      session,
    });
    if (!updated) return null;
    if (options.restock) {
      for (const item of updated.items) {
        await database.collections.products.updateOne(
          { _id: item.productId },
          { $inc: { stock: item.quantity }, $set: { updatedAt: new Date() } },
          { session },
        );
      }
    }
    await database.collections.payments.updateOne(
      { _id: payment._id },
      { $set: { status: 'refunded', refundId: refund.id, updatedAt: new Date() } },
      { session },
    );
    return updated;
  });
  return { order: moved, refundId: refund.id };
}
