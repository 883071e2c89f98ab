import { recordEmail, type ClientSession, type Database, type EmailKind, type OrderDoc } from '@simple-shop/db';

export type OrderEmailKind = Extract<
  EmailKind,
  'order_confirmation' | 'payment_failed' | 'order_refunded' | 'order_shipped'
>;

const SUBJECTS: Record<OrderEmailKind, string> = {
  order_confirmation: 'Order confirmed',
  payment_failed: 'Payment failed',
  order_refunded: 'Order refunded',
  order_shipped: 'Order shipped',
};

/** What the kinds beyond the order snapshot carry. */
export interface OrderEmailExtra {
  reason?: string;
  refundId?: string;
  /** This refund's amount. */
  amount?: number;
  /** A partial refund: its email is keyed by the refund id, so each partial refund gets one. */
  partial?: boolean;
  shipment?: { carrier: string; trackingNumber: string; trackingUrl?: string };
}

/**
 * Writes an order email to the outbox (inside the caller's transaction when given): its ID is
 * `${kind}:${orderId}`, so the customer gets at most one email per (order, kind) however often
 * the outcome runs — except partial refunds, one per Stripe refund
 * (`order_refunded:${orderId}:${refundId}`); the refund that completes the order keeps the per-order ID,
 * so two paths recording the same full refund still send one email. Returns the outbox ID, or null when the order has no known customer. The
 * worker renders it (apps/worker/src/email) when its job runs.
 */
export async function recordOrderEmail(
  database: Database,
  kind: OrderEmailKind,
  order: OrderDoc,
  extra: OrderEmailExtra,
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
        {
          ...common,
          subjectId: extra.partial && extra.refundId ? `${base.orderId}:${extra.refundId}` : base.orderId,
          kind,
          data: {
            ...base,
            reason: extra.reason ?? 'refunded',
            refundId: extra.refundId ?? '',
            ...(extra.amount === undefined ? {} : { amount: extra.amount }),
          },
        },
        session,
      );
    case 'order_shipped':
      if (!extra.shipment) throw new Error('a shipped email needs the shipment');
      return recordEmail(database.collections, { ...common, kind, data: { ...base, ...extra.shipment } }, session);
  }
}
