import type { ClientSession, Filter, ObjectId } from 'mongodb';
import type { Database, OrderDoc, OrderTimelineEntry } from '@simple-shop/db';
import { statusesAllowing, type OrderStatus } from '@simple-shop/domain';
import { releaseReservations } from './inventory/reservations';

/**
 * Moves an order to `to` only if its current status allows it (the guard is derived from the
 * pure state machine), appending to its history. Returns the updated order, or null when the
 * order is missing or already somewhere the move is not allowed from — the caller decides.
 */
export async function moveOrder(
  database: Database,
  orderId: ObjectId,
  to: OrderStatus,
  options: {
    reason?: string;
    from?: readonly OrderStatus[];
    set?: Partial<OrderDoc>;
    session?: ClientSession;
    /** Who made the move, for the timeline (default `system`). */
    by?: string;
    /** Extra conditions of the guard (e.g. a refund not recorded yet). */
    where?: Filter<OrderDoc>;
    /** Extra facts for the timeline entry (the refunded amount). */
    timeline?: Pick<OrderTimelineEntry, 'amount' | 'from'>;
  } = {},
): Promise<OrderDoc | null> {
  const now = new Date();
  const allowed = options.from ?? statusesAllowing(to);
  const entry = { status: to, at: now, ...(options.reason ? { reason: options.reason } : {}) };
  // `from` is only known for certain when the guard allows one status (or the caller read it).
  const from = options.timeline?.from ?? (allowed.length === 1 ? allowed[0] : undefined);
  const event: OrderTimelineEntry = {
    at: now,
    by: options.by ?? 'system',
    kind: 'payment',
    ...(from ? { from } : {}),
    to,
    ...(options.reason ? { note: options.reason } : {}),
    ...(options.timeline?.amount === undefined ? {} : { amount: options.timeline.amount }),
  };
  // The guarded update is the decision: of two concurrent moves only one modifies the document.
  // (A guarded updateOne, not findOneAndUpdate, because the offline stand-in only makes the
  // former atomic; on MongoDB both are.) `$addToSet` of a timestamped entry appends to the
  // history without a read.
  const sessionOption = options.session ? { session: options.session } : {};
  const result = await database.collections.orders.updateOne(
    { ...options.where, _id: orderId, status: { $in: [...allowed] } },
    {
      $set: { ...options.set, status: to, updatedAt: now, ...(options.reason ? { statusReason: options.reason } : {}) },
      $addToSet: { history: entry, timeline: event },
    },
    sessionOption,
  );
  if (result.modifiedCount !== 1) return null;
  return database.collections.orders.findOne({ _id: orderId }, sessionOption);
}

export type UnpaidEnd = Extract<OrderStatus, 'cancelled' | 'expired' | 'payment_failed'>;

/**
 * Ends an unpaid order (cancel, session expiry, failed payment) and gives its stock back.
 * The status move is the decision (a concurrent payment and cancel cannot both win); the release
 * follows and is idempotent, so repeating it after a crash (reconciliation does) finishes the job.
 * Returns the order and the products whose stock came back if this call moved it, null if it was
 * not pending payment.
 */
export async function endUnpaidOrder(
  database: Database,
  orderId: ObjectId,
  to: UnpaidEnd,
  reason: string,
): Promise<{ order: OrderDoc; released: ObjectId[] } | null> {
  const order = await moveOrder(database, orderId, to, { reason, from: ['pending_payment'] });
  if (!order) return null;
  const released = await releaseReservations(database, orderId);
  return { order, released };
}

/**
 * Statuses whose orders hold no stock: a `held` reservation of such an order is left over from a
 * crash (or a late re-reservation that lost) and is released by reconciliation. Pending orders
 * keep theirs, and `needs_review` keeps them for the admin's decision.
 */
export const HOLDS_NO_STOCK: readonly OrderStatus[] = ['cancelled', 'expired', 'payment_failed', 'refunded', 'paid'];
