import type { ClientSession, ObjectId, OrderDoc } from '@simple-shop/db';
import type { OrderStatus } from '@simple-shop/domain';
import { applyAdjustment, moveOrder, recordAdjustment, releaseReservations } from '@simple-shop/orders';
import { refundIdempotencyKey, type Stripe } from '@simple-shop/payments';
import { OutcomeConflictError, result, type OutcomeDeps, type OutcomeResult } from './deps';
import { recordOrderEmail } from './order-emails';

export interface RefundCommit {
  reason: string;
  /** Put the sold units back on hand (a restock adjustment per sold line, applied once). */
  restock: boolean;
  /** Statuses the order may be refunded from. */
  from: readonly OrderStatus[];
  refundId: string;
  paymentIntentId: string;
  /** Who asked, for the audit records: an admin's user id, `customer`, or `stripe`. */
  by: string;
  /** Record the payment too when it may not exist yet (a payment refunded as soon as it arrived). */
  session?: Pick<Stripe.Checkout.Session, 'id' | 'amount_total'>;
}

export const restockAdjustmentId = (orderId: ObjectId, productId: ObjectId) =>
  `restock-${orderId.toHexString()}-${productId.toHexString()}`;

/**
 * Records a refund that Stripe has made: in ONE transaction the order moves to `refunded`, the
 * payment is marked refunded, restocks are recorded as pending adjustments and the customer's
 * email goes to the outbox. Only the order's own documents are written in it (never a product).
 * After the commit, units still reserved for the order are released and the restocks applied;
 * both are idempotent and reconciliation finishes them after a crash.
 */
export async function commitRefund(
  deps: OutcomeDeps,
  orderId: ObjectId,
  commit: RefundCommit,
): Promise<OutcomeResult<'refunded' | 'unchanged'>> {
  const { database } = deps;
  const moved = await database.transaction(async (session: ClientSession) => {
    const refunded = await moveOrder(database, orderId, 'refunded', {
      reason: commit.reason,
      from: commit.from,
      set: { refundedAt: new Date() },
      session,
    });
    if (!refunded) return null;
    if (commit.restock) {
      const sold = await database.collections.reservations.find({ orderId, status: 'consumed' }, { session }).toArray();
      for (const reservation of sold) {
        await recordAdjustment(
          database,
          {
            _id: restockAdjustmentId(orderId, reservation.productId),
            productId: reservation.productId,
            delta: reservation.quantity,
            kind: 'restock',
            reason: commit.reason,
            by: commit.by,
            orderId,
          },
          session,
        );
      }
    }
    await recordPaymentRefunded(deps, refunded, commit, session);
    const outboxId = await recordOrderEmail(
      database,
      'order_refunded',
      refunded,
      { reason: commit.reason, refundId: commit.refundId },
      session,
    );
    return { order: refunded, outboxId };
  });
  if (!moved) return result('unchanged');
  const stockChanged = await finishRefundStock(deps, orderId);
  deps.log.info({ orderId: orderId.toHexString(), refundId: commit.refundId, restock: commit.restock }, 'order refunded');
  return result('refunded', moved.order, [moved.outboxId], stockChanged);
}

async function recordPaymentRefunded(
  deps: OutcomeDeps,
  order: OrderDoc,
  commit: RefundCommit,
  session: ClientSession,
): Promise<void> {
  const now = new Date();
  const set = { status: 'refunded', paymentIntentId: commit.paymentIntentId, refundId: commit.refundId, updatedAt: now };
  if (commit.session) {
    await deps.database.collections.payments.updateOne(
      { sessionId: commit.session.id },
      {
        $set: set,
        $setOnInsert: {
          orderId: order._id,
          userId: order.userId,
          provider: 'stripe',
          sessionId: commit.session.id,
          amount: commit.session.amount_total ?? order.total,
          currency: order.currency,
          createdAt: now,
        },
      },
      { upsert: true, session },
    );
    return;
  }
  await deps.database.collections.payments.updateOne(
    { orderId: order._id, paymentIntentId: commit.paymentIntentId },
    { $set: set },
    { session },
  );
}

/**
 * The stock side of a refund, after its commit: units still reserved go back to available, and
 * the recorded restocks are applied. Returns the products whose available stock changed.
 */
export async function finishRefundStock(deps: OutcomeDeps, orderId: ObjectId): Promise<ObjectId[]> {
  const { database } = deps;
  const changed = await releaseReservations(database, orderId);
  const restocks = await database.collections.inventoryAdjustments
    .find({ orderId, kind: 'restock', status: 'pending' })
    .toArray();
  for (const restock of restocks) {
    const applied = await applyAdjustment(database, restock._id);
    if (applied?.status === 'applied') changed.push(restock.productId);
  }
  return changed;
}

export interface RefundRequest {
  reason: string;
  restock: boolean;
  from: readonly OrderStatus[];
  by: string;
  /** Defaults to the order's recorded payment. */
  paymentIntentId?: string;
  session?: RefundCommit['session'];
}

/**
 * Refunds an order's payment through Stripe — one refund per order, whoever asks and however
 * often, thanks to the idempotency key — then commits it (see `commitRefund`).
 */
export async function refundOrder(
  deps: OutcomeDeps,
  order: OrderDoc,
  request: RefundRequest,
): Promise<OutcomeResult<'refunded' | 'unchanged'>> {
  const { database, stripe } = deps;
  if (!stripe) throw new OutcomeConflictError('PAYMENTS_DISABLED', 'Payments are not configured');
  const orderId = order._id.toHexString();
  const paymentIntentId =
    request.paymentIntentId ??
    (
      await database.collections.payments.findOne(
        { orderId: order._id, paymentIntentId: { $exists: true } },
        { sort: { createdAt: -1 } },
      )
    )?.paymentIntentId;
  if (!paymentIntentId) throw new Error(`order ${orderId} has no captured payment to refund`);

  const refund = await stripe.refunds.create(
    { payment_intent: paymentIntentId, metadata: { orderId, reason: request.reason.slice(0, 500) } },
    { idempotencyKey: refundIdempotencyKey(orderId) },
  );
  return commitRefund(deps, order._id, {
    reason: request.reason,
    restock: request.restock,
    from: request.from,
    refundId: refund.id,
    paymentIntentId,
    by: request.by,
    ...(request.session ? { session: request.session } : {}),
  });
}

/**
 * `charge.refunded` for a full refund made outside the shop (the Stripe Dashboard): a paid order
 * becomes `refunded`, its units go back on hand and the customer is told, once. Refunds the shop
 * made itself already moved the order, so for them this changes nothing. Partial refunds leave
 * the order paid.
 */
export async function recordStripeRefund(
  deps: OutcomeDeps,
  charge: Pick<Stripe.Charge, 'id' | 'refunded' | 'payment_intent' | 'metadata'>,
): Promise<OutcomeResult<'refunded' | 'unchanged'>> {
  if (!charge.refunded) return result('unchanged');
  const paymentIntentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  if (!paymentIntentId) return result('unchanged');
  const payment = await deps.database.collections.payments.findOne({ paymentIntentId });
  if (!payment) return result('unchanged');
  return commitRefund(deps, payment.orderId, {
    reason: 'refunded in Stripe',
    restock: true,
    from: ['paid'],
    refundId: charge.id,
    paymentIntentId,
    by: 'stripe',
  });
}
