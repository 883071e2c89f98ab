import type { ClientSession, ObjectId } from 'mongodb';
import type { Database, OrderDoc } from '@simple-shop/db';
import { statusesAllowing, type OrderStatus } from '@simple-shop/domain';
import { releaseHolds } from './holds';

/**
 * Moves an order to `to` only if its current status allows it (the guard is derived from the
 * pure state machine), appending to its history. Returns the updated order, or null when the
 * order is missing or already somewhere the move is not allowed from — the caller decides.
 */
export async function moveOrder(
  database: Database,
  orderId: ObjectId,
  to: OrderStatus,
  options: { reason?: string; from?: readonly OrderStatus[]; set?: Partial<OrderDoc>; session?: ClientSession } = {},
): Promise<OrderDoc | null> {
  const now = new Date();
  const allowed = options.from ?? statusesAllowing(to);
  const entry = { status: to, at: now, ...(options.reason ? { reason: options.reason } : {}) };
  // The guarded update is the decision: of two concurrent moves only one modifies the document.
  // (A guarded updateOne, not findOneAndUpdate, because the offline stand-in only makes the
  // former atomic; on MongoDB both are.) `$addToSet` of a timestamped entry appends to the
  // history without a read.
  const sessionOption = options.session ? { session: options.session } : {};
  const result = await database.collections.orders.updateOne(
    { _id: orderId, status: { $in: [...allowed] } },
    {
      $set: { ...options.set, status: to, updatedAt: now, ...(options.reason ? { statusReason: options.reason } : {}) },
      $addToSet: { history: entry },
    },
    sessionOption,
  );
  if (result.modifiedCount !== 1) return null;
  return database.collections.orders.findOne({ _id: orderId }, sessionOption);
}

export type UnpaidEnd = Extract<OrderStatus, 'cancelled' | 'expired' | 'payment_failed'>;

/**
 * Ends an unpaid order (cancel, session expiry, failed payment) and gives its stock back.
 * The status move is the decision (a concurrent payment and cancel cannot both win); the hold
 * release follows and is idempotent, so repeating this after a crash finishes the job.
 * Returns the order if this call moved it, null if it was not pending payment.
 */
export async function endUnpaidOrder(
  database: Database,
  orderId: ObjectId,
  to: UnpaidEnd,
  reason: string,
): Promise<{ order: OrderDoc; released: number } | null> {
  const order = await moveOrder(database, orderId, to, { reason, from: ['pending_payment'] });
  if (!order) return null;
  const released = await releaseHolds(database.collections.products, orderId, order.items);
  return { order, released };
}

/**
 * Releases holds left behind by an order that ended unpaid (crash between its status move and
 * its release). Pending orders keep theirs; `needs_review` keeps them for the admin's decision;
 * a paid order's holds were consumed in its payment transaction.
 */
const ENDED_UNPAID: readonly OrderStatus[] = ['cancelled', 'expired', 'payment_failed', 'refunded'];
export async function releaseStaleHolds(database: Database, order: OrderDoc): Promise<number> {
  if (!ENDED_UNPAID.includes(order.status as OrderStatus)) return 0;
  return releaseHolds(database.collections.products, order._id, order.items);
}
