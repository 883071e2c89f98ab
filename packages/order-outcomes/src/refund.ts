import { randomUUID } from 'node:crypto';
import type { ClientSession, ObjectId, OrderDoc } from '@simple-shop/db';
import type { OrderStatus } from '@simple-shop/domain';
import { applyAdjustment, moveOrder, recordAdjustment, releaseReservations } from '@simple-shop/orders';
import { refundIdempotencyKey, type Stripe } from '@simple-shop/payments';
import { OutcomeConflictError, result, type OutcomeDeps, type OutcomeResult } from './deps';
import { recordOrderEmail } from './order-emails';

export interface RefundCommit {
  reason: string;
  /** Put the sold units back on hand (a restock adjustment per sold line, applied once per order). */
  restock: boolean;
  /** Statuses the order may be refunded from. */
  from: readonly OrderStatus[];
  refundId: string;
  paymentIntentId: string;
  /** Who asked, for the audit records: an admin's user id, `customer`, or `stripe`. */
  by: string;
  /** What Stripe refunded, minor units; absent = everything not refunded yet (a full refund). */
  amount?: number;
  /** Record the payment too when it may not exist yet (a payment refunded as soon as it arrived). */
  session?: Pick<Stripe.Checkout.Session, 'id' | 'amount_total'>;
}

export const restockAdjustmentId = (orderId: ObjectId, productId: ObjectId) =>
  `restock-${orderId.toHexString()}-${productId.toHexString()}`;

/** What the customer paid for the order: the captured payment, else the order's total. */
async function paidAmountOf(
  deps: OutcomeDeps,
  order: OrderDoc,
  commit: Pick<RefundCommit, 'paymentIntentId' | 'session'>,
  session?: ClientSession,
): Promise<number> {
  const payment = await deps.database.collections.payments.findOne(
    { orderId: order._id, paymentIntentId: commit.paymentIntentId },
    session ? { session } : {},
  );
  return payment?.amount ?? commit.session?.amount_total ?? order.total;
}

/**
 * Records a refund that Stripe has made, once per Stripe refund id: in ONE transaction the order's
 * `refundedAmount` grows by the refund (moving it to `refunded` when nothing paid is left), the
 * refund lands on the timeline, the payment records it, restocks are recorded as pending
 * adjustments and the customer's email goes to the outbox. A partial refund leaves the order
 * `paid`. Only the order's own documents are written in it (never a product). After the commit,
 * units still reserved for the order are released and the restocks applied; both are idempotent
 * and reconciliation finishes them after a crash.
 */
export async function commitRefund(
  deps: OutcomeDeps,
  orderId: ObjectId,
  commit: RefundCommit,
): Promise<OutcomeResult<'refunded' | 'partially_refunded' | 'unchanged'>> {
  const { database } = deps;
  const moved = await database.transaction(async (session: ClientSession) => {
    const current = await database.collections.orders.findOne({ _id: orderId }, { session });
    if (!current || current.refundIds?.includes(commit.refundId)) return null;
    const paid = await paidAmountOf(deps, current, commit, session);
    const before = current.refundedAmount ?? 0;
    const amount = commit.amount ?? Math.max(paid - before, 0);
    const refundedAmount = before + amount;
    const full = refundedAmount >= paid;
    const now = new Date();
    const record = { refundId: commit.refundId, amount, reason: commit.reason, by: commit.by, at: now };
    const notRecorded = { refundIds: { $ne: commit.refundId } };
    let order: OrderDoc | null;
    if (full) {
      order = await moveOrder(database, orderId, 'refunded', {
        reason: commit.reason,
        from: commit.from,
        by: commit.by,
        where: notRecorded,
        set: { refundedAt: now, refundedAmount },
        timeline: { amount, from: current.status },
        session,
      });
      if (order) {
        await database.collections.orders.updateOne(
          { _id: orderId },
          { $addToSet: { refunds: record, refundIds: commit.refundId } },
          { session },
        );
        order = await database.collections.orders.findOne({ _id: orderId }, { session });
      }
    } else {
      const result = await database.collections.orders.updateOne(
        { _id: orderId, status: { $in: [...commit.from] }, ...notRecorded },
        {
          $inc: { refundedAmount: amount },
          $set: { updatedAt: now },
          $addToSet: {
            refunds: record,
            refundIds: commit.refundId,
            timeline: {
              at: now,
              by: commit.by,
              kind: 'payment',
              from: current.status,
              to: current.status,
              note: `partial refund: ${commit.reason}`,
              amount,
            },
          },
        },
        { session },
      );
      order =
        result.modifiedCount === 1 ? await database.collections.orders.findOne({ _id: orderId }, { session }) : null;
    }
    if (!order) return null;
    if (commit.restock) {
      const sold = await database.collections.reservations.find({ orderId, status: 'consumed' }, { session }).toArray();
      for (const reservation of sold) {
        // The id is per (order, product): asking to restock on a second partial refund restocks nothing more.
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
    await recordPaymentRefunded(deps, order, { ...commit, amount, full }, session);
    const outboxId = await recordOrderEmail(
      database,
      'order_refunded',
      order,
      { reason: commit.reason, refundId: commit.refundId, amount, partial: !full },
      session,
    );
    return { order, outboxId, full, amount };
  });
  if (!moved) return result('unchanged');
  const stockChanged = await finishRefundStock(deps, orderId);
  deps.log.info(
    { orderId: orderId.toHexString(), refundId: commit.refundId, amount: moved.amount, restock: commit.restock },
    moved.full ? 'order refunded' : 'order partially refunded',
  );
  return result(moved.full ? 'refunded' : 'partially_refunded', moved.order, [moved.outboxId], stockChanged);
}

async function recordPaymentRefunded(
  deps: OutcomeDeps,
  order: OrderDoc,
  commit: RefundCommit & { amount: number; full: boolean },
  session: ClientSession,
): Promise<void> {
  const now = new Date();
  const set = {
    status: commit.full ? 'refunded' : 'partially_refunded',
    paymentIntentId: commit.paymentIntentId,
    refundId: commit.refundId,
    updatedAt: now,
  };
  const inc = { amountRefunded: commit.amount };
  if (commit.session) {
    await deps.database.collections.payments.updateOne(
      { sessionId: commit.session.id },
      {
        $set: set,
        $inc: inc,
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
    { $set: set, $inc: inc },
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
  /**
   * A partial refund, minor units; absent = everything not refunded yet. A partial refund must
   * carry `idempotencyKey` (one Stripe refund per key); a full refund uses the order's own key.
   */
  amount?: number;
  idempotencyKey?: string;
}

/** The refund would give back more than was paid in total (across all refunds). */
export class RefundTooLargeError extends OutcomeConflictError {
  constructor(
    readonly requested: number,
    readonly refundable: number,
  ) {
    super('REFUND_TOO_LARGE', `at most ${refundable} can still be refunded, ${requested} was asked`);
  }
}

/**
 * Refunds an order's payment through Stripe, then commits it (see `commitRefund`). A full refund
 * is one refund per order, whoever asks and however often (the idempotency key is the order's);
 * a partial one is one refund per `idempotencyKey`. Never more than was paid in total: checked
 * here against the recorded refunds, and Stripe refuses it against the charge as well.
 */
export async function refundOrder(
  deps: OutcomeDeps,
  order: OrderDoc,
  request: RefundRequest,
): Promise<OutcomeResult<'refunded' | 'partially_refunded' | 'unchanged'>> {
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

  const paid = await paidAmountOf(deps, order, {
    paymentIntentId,
    ...(request.session ? { session: request.session } : {}),
  });
  const refundable = paid - (order.refundedAmount ?? 0);
  const partial = request.amount !== undefined && request.amount < refundable;
  if (request.amount !== undefined && request.amount > refundable)
    throw new RefundTooLargeError(request.amount, refundable);
  if (refundable <= 0) throw new RefundTooLargeError(request.amount ?? 0, 0);
  // A full refund keeps the order's key even after partial ones: the remainder is one refund.
  const idempotencyKey =
    partial || (order.refundedAmount ?? 0) > 0
      ? `${refundIdempotencyKey(orderId)}-${request.idempotencyKey ?? randomUUID()}`
      : refundIdempotencyKey(orderId);

  const refund = await stripe.refunds.create(
    {
      payment_intent: paymentIntentId,
      ...(partial ? { amount: request.amount } : {}),
      // What commitRefund needs, so the charge.refunded webhook can record this refund if this
      // process dies before it does (see recordStripeRefund).
      metadata: {
        orderId,
        reason: request.reason.slice(0, 500),
        restock: String(request.restock),
        by: request.by.slice(0, 500),
      },
    },
    { idempotencyKey },
  );
  return commitRefund(deps, order._id, {
    reason: request.reason,
    restock: request.restock,
    from: request.from,
    refundId: refund.id,
    paymentIntentId,
    by: request.by,
    amount: refund.amount,
    ...(request.session ? { session: request.session } : {}),
  });
}

/** The newest succeeded refund of the payment that the shop made for `orderId` and has not recorded. */
export async function unrecordedOwnRefund(
  deps: OutcomeDeps,
  orderId: ObjectId,
  paymentIntentId: string,
): Promise<Stripe.Refund | undefined> {
  if (!deps.stripe) return undefined;
  const order = await deps.database.collections.orders.findOne({ _id: orderId });
  if (!order) return undefined;
  const refunds = await deps.stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 });
  return refunds.data.find(
    (refund) =>
      refund.status === 'succeeded' &&
      refund.metadata?.orderId === orderId.toHexString() &&
      !order.refundIds?.includes(refund.id),
  );
}

/**
 * `charge.refunded`. A full refund made outside the shop (the Stripe Dashboard): a paid order
 * becomes `refunded`, its units go back on hand and the customer is told, once; refunds the shop
 * made itself already moved the order, so for them this changes nothing — and one the shop made
 * but has not recorded yet is recorded from its metadata (restock as asked). Otherwise each refund of
 * the charge not recorded yet is recorded by its id: the shop's own (its metadata carries the
 * order, reason, restock and who asked — this finishes a refund whose request died after Stripe
 * made it) and outside ones (no restock: nobody said the goods came back).
 */
export async function recordStripeRefund(
  deps: OutcomeDeps,
  charge: Pick<Stripe.Charge, 'id' | 'refunded' | 'payment_intent' | 'metadata'>,
): Promise<OutcomeResult<'refunded' | 'partially_refunded' | 'unchanged'>> {
  const paymentIntentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  if (!paymentIntentId) return result('unchanged');
  const payment = await deps.database.collections.payments.findOne({ paymentIntentId });
  if (!payment) return result('unchanged');
  if (charge.refunded) {
    // The refund that completed the charge may be the shop's own, not recorded yet (this webhook
    // won the race against the shop's commit, or the request died after Stripe made it): then it
    // is recorded as the shop asked (restock or not), under its own id, so the shop's commit of it
    // changes nothing. Otherwise it was made outside the shop, in full: the units come back.
    const own = await unrecordedOwnRefund(deps, payment.orderId, paymentIntentId);
    return commitRefund(deps, payment.orderId, {
      reason: own?.metadata?.reason || 'refunded in Stripe',
      restock: own ? own.metadata?.restock === 'true' : true,
      from: ['paid'],
      refundId: own?.id ?? charge.id,
      paymentIntentId,
      by: own?.metadata?.by || 'stripe',
    });
  }
  if (!deps.stripe) return result('unchanged');
  const order = await deps.database.collections.orders.findOne({ _id: payment.orderId });
  if (!order) return result('unchanged');
  const refunds = await deps.stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 });
  let last: OutcomeResult<'refunded' | 'partially_refunded' | 'unchanged'> = result('unchanged');
  for (const refund of [...refunds.data].reverse()) {
    if (refund.status !== 'succeeded' || order.refundIds?.includes(refund.id)) continue;
    const ours = refund.metadata?.orderId === order._id.toHexString();
    const recorded = await commitRefund(deps, payment.orderId, {
      reason: (ours && refund.metadata?.reason) || 'refunded in Stripe',
      restock: ours && refund.metadata?.restock === 'true',
      from: ['paid'],
      refundId: refund.id,
      paymentIntentId,
      by: (ours && refund.metadata?.by) || 'stripe',
      amount: refund.amount,
    });
    if (recorded.outcome !== 'unchanged') {
      last = { ...recorded, outboxIds: [...last.outboxIds, ...recorded.outboxIds] };
    }
  }
  return last;
}
