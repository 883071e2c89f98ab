import { emailJobId, recordEmail, type ClientSession, type EmailKind, type OrderDoc } from '@simple-shop/db';
import type { WorkerDependencies } from '../deps';

type OrderEmailKind = Extract<EmailKind, 'order_confirmation' | 'payment_failed' | 'order_refunded'>;

/**
 * Writes an order email to the outbox (inside the caller's transaction when given): its ID is
 * `${kind}:${orderId}`, so the customer gets at most one email per (order, kind) however often
 * the event is processed. Returns the outbox ID, or null when the order has no known customer.
 */
export async function recordOrderEmail(
  deps: Pick<WorkerDependencies, 'database'>,
  kind: OrderEmailKind,
  order: OrderDoc,
  extra: { reason?: string; refundId?: string },
  session?: ClientSession,
): Promise<string | null> {
  const user = await deps.database.collections.users.findOne({ _id: order.userId }, session ? { session } : {});
  if (!user) return null;
  const base = {
    name: user.name,
    orderId: order._id.toHexString(),
    items: order.items.map((i) => ({ name: i.name, quantity: i.quantity, unitPrice: i.unitPrice })),
    total: order.total,
    currency: order.currency,
  };
  const subjects = {
    order_confirmation: 'Order confirmed',
    payment_failed: 'Payment failed',
    order_refunded: 'Order refunded',
  } as const;
  const data =
    kind === 'order_confirmation'
      ? base
      : kind === 'payment_failed'
        ? { ...base, reason: extra.reason ?? 'payment declined' }
        : { ...base, reason: extra.reason ?? 'refunded', refundId: extra.refundId ?? '' };
  return recordEmail(
    deps.database.collections,
    { kind, subjectId: base.orderId, to: user.email, subject: subjects[kind], data } as Parameters<
      typeof recordEmail
    >[1],
    session,
  );
}

/**
 * Queues recorded emails after their transaction committed. If Redis is unavailable the outbox
 * document stays `pending` and reconciliation queues it later: nothing is lost.
 */
export async function queueEmails(
  deps: Pick<WorkerDependencies, 'queues' | 'logger'>,
  outboxIds: readonly (string | null)[],
  correlationId?: string,
): Promise<void> {
  for (const outboxId of outboxIds) {
    if (!outboxId) continue;
    try {
      await deps.queues.emails.add(
        'send',
        { outboxId, ...(correlationId ? { correlationId } : {}) },
        { jobId: emailJobId(outboxId) },
      );
    } catch (error) {
      deps.logger.warn({ outboxId, err: error }, 'email recorded but not queued; reconciliation will queue it');
    }
  }
}
