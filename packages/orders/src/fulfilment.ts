import type { ClientSession, Filter, ObjectId } from 'mongodb';
import type { Database, OrderDoc, OrderFulfilment, OrderTimelineEntry } from '@simple-shop/db';
import { orderStatusesAllowingFulfilment, type FulfilmentStatus } from '@simple-shop/domain';

/** Orders written before fulfilment existed have no field: they are `unfulfilled`. */
export function fulfilmentStatusOf(order: Pick<OrderDoc, 'fulfilmentStatus'>): FulfilmentStatus {
  return (order.fulfilmentStatus ?? 'unfulfilled') as FulfilmentStatus;
}

function fulfilmentIs(status: FulfilmentStatus): Filter<OrderDoc> {
  return status === 'unfulfilled'
    ? { $or: [{ fulfilmentStatus: 'unfulfilled' }, { fulfilmentStatus: { $exists: false } }] }
    : { fulfilmentStatus: status };
}

/**
 * Moves an order's fulfilment from `from` (what the caller read and checked against the domain
 * table) to `to`, guarded on both that status and the order statuses the move needs, and appends
 * the timeline entry. Returns the updated order, or null when another request moved it first.
 */
export async function moveFulfilment(
  database: Database,
  orderId: ObjectId,
  from: FulfilmentStatus,
  to: FulfilmentStatus,
  options: { by: string; note?: string; set?: OrderFulfilment; session?: ClientSession },
): Promise<OrderDoc | null> {
  const now = new Date();
  const orderStatuses = orderStatusesAllowingFulfilment(to);
  const entry: OrderTimelineEntry = {
    at: now,
    by: options.by,
    kind: 'fulfilment',
    from,
    to,
    ...(options.note ? { note: options.note } : {}),
  };
  const set: Record<string, unknown> = { fulfilmentStatus: to, updatedAt: now };
  for (const [key, value] of Object.entries(options.set ?? {})) set[`fulfilment.${key}`] = value;
  const sessionOption = options.session ? { session: options.session } : {};
  const result = await database.collections.orders.updateOne(
    {
      _id: orderId,
      ...fulfilmentIs(from),
      ...(orderStatuses.length > 0 ? { status: { $in: [...orderStatuses] } } : {}),
    },
    { $set: set, $addToSet: { timeline: entry } },
    sessionOption,
  );
  if (result.modifiedCount !== 1) return null;
  return database.collections.orders.findOne({ _id: orderId }, sessionOption);
}
