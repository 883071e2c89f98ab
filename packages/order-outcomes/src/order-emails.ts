import { recordEmail, type ClientSession, type Database, type EmailKind, type OrderDoc } from '@simple-shop/db';

export type OrderEmailKind = Extract<EmailKind, 'order_confirmation' | 'payment_failed' | 'order_refunded'>;

const SUBJECTS: Record<OrderEmailKind, string> = {
  order_confirmation: 'Order confirmed',
  payment_failed: 'Payment failed',
  order_refunded: 'Order refunded',
};

/**
 * Writes an order email to the outbox (inside the caller's transaction when given): its ID is
 * `${kind}:${orderId}`, so the customer gets at most one email per (order, kind) however often
 * the outcome runs. Returns the outbox ID, or null when the order has no known customer. The
 * worker renders it (apps/worker/src/email) when its job runs.
 */
export async function recordOrderEmail(
  database: Database,
  kind: OrderEmailKind,
  order: OrderDoc,
  extra: { reason?: string; refundId?: string },
  session?: ClientSession,
): Promise<string | null> {
  const user = await database.collections.users.findOne({ _id: order.userId }, session ? { session } : {});
  if (!user) return null;
  const base = {
    name: user.name,
    orderId: order._id.toHexString(),
    items: order.items.map((i) => ({ name: i.name, quantity: i.quantity, unitPrice: i.unitPrice })),
    total: order.total,
    currency: order.currency,
  };
  const common = { subjectId: base.orderId, to: user.email, subject: SUBJECTS[kind] };
  switch (kind) {
    case 'order_confirmation':
      return recordEmail(database.collections, { ...common, kind, data: base }, session);
    case 'payment_failed':
      return recordEmail(
        database.collections,
        { ...common, kind, data: { ...base, reason: extra.reason ?? 'payment declined' } },
        session,
      );
    case 'order_refunded':
      return recordEmail(
        database.collections,
        { ...common, kind, data: { ...base, reason: extra.reason ?? 'refunded', refundId: extra.refundId ?? '' } },
        session,
      );
  }
}
