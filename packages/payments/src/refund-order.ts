import type { ClientSession, Database, OrderDoc } from '@simple-shop/db';
import type { OrderStatus } from '@simple-shop/domain';
import { moveOrder } from '@simple-shop/orders';
import type Stripe from 'stripe';

export function refundIdempotencyKey(orderId: string): string {
  return `order-${orderId}-refund`;
}

export interface RefundOptions {
  reason: string;
  /** Put the units back in stock (they were consumed at payment). */
  restock: boolean;
  /** Statuses the order may be refunded from. */
  from: readonly OrderStatus[];
  /** Defaults to the order's recorded payment. */
  paymentIntentId?: string;
  /** More writes that must commit with the refund (the payment record, the customer's email). */
  inTransaction?: (session: ClientSession, order: OrderDoc, refundId: string) => Promise<void>;
}

/**
 * Refunds an order's payment through Stripe — one refund per order, whoever asks and however
 * often, thanks to the idempotency key — then moves the order to `refunded` in a transaction with
 * the restock and the caller's extra writes. Returns null when the order was no longer in `from`.
 */
export async function refundOrder(
  database: Database,
  stripe: Stripe,
  order: OrderDoc,
  options: RefundOptions,
): Promise<{ order: OrderDoc | null; refundId: string }> {
  const orderId = order._id.toHexString();
  const paymentIntentId =
    options.paymentIntentId ??
    (
      await database.collections.payments.findOne(
        { orderId: order._id, paymentIntentId: { $exists: true } },
        { sort: { createdAt: -1 } },
      )
    )?.paymentIntentId;
  if (!paymentIntentId) throw new Error(`order ${orderId} has no captured payment to refund`);

  const refund = await stripe.refunds.create(
    { payment_intent: paymentIntentId, metadata: { orderId, reason: options.reason.slice(0, 500) } },
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
      { orderId: order._id, paymentIntentId },
      { $set: { status: 'refunded', refundId: refund.id, updatedAt: new Date() } },
      { session },
    );
    await options.inTransaction?.(session, updated, refund.id);
    return updated;
  });
  return { order: moved, refundId: refund.id };
}
