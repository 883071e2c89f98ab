import type { ObjectId, OrderFulfilment } from '@simple-shop/db';
import { assertFulfilmentMove, InvalidFulfilmentMoveError, type FulfilmentStatus, type OrderStatus } from '@simple-shop/domain';
import { fulfilmentStatusOf, moveFulfilment } from '@simple-shop/orders';
import { OutcomeConflictError, result, type OutcomeDeps, type OutcomeResult } from './deps';
import { recordOrderEmail } from './order-emails';

/** A fulfilment move the order does not allow (shipping twice, shipping a cancelled order). */
export class FulfilmentConflictError extends OutcomeConflictError {
  constructor(message: string) {
    super('INVALID_STATE', message);
  }
}

export interface Shipment {
  carrier: string;
  trackingNumber: string;
  trackingUrl?: string;
}

export class OrderMissingError extends Error {
  override name = 'OrderMissingError';
}

async function loadForMove(deps: OutcomeDeps, orderId: ObjectId, to: FulfilmentStatus) {
  const order = await deps.database.collections.orders.findOne({ _id: orderId });
  if (!order) throw new OrderMissingError(`order ${orderId.toHexString()} not found`);
  const from = fulfilmentStatusOf(order);
  try {
    assertFulfilmentMove(order.status as OrderStatus, from, to);
  } catch (error) {
    if (error instanceof InvalidFulfilmentMoveError) throw new FulfilmentConflictError(error.message);
    throw error;
  }
  return { order, from };
}

const raced = (to: FulfilmentStatus) =>
  new FulfilmentConflictError(`the order changed while it was being ${to}; reload it and try again`);

/**
 * Marks a paid order shipped, with its tracking: in ONE transaction the fulfilment moves (guarded
 * on the status read, so shipping twice is refused) and the customer's "shipped" email goes to
 * the outbox. No product is written.
 */
export async function shipOrder(
  deps: OutcomeDeps,
  orderId: ObjectId,
  shipment: Shipment,
  by: string,
): Promise<OutcomeResult<'shipped'>> {
  const { from } = await loadForMove(deps, orderId, 'shipped');
  const set: OrderFulfilment = {
    carrier: shipment.carrier,
    trackingNumber: shipment.trackingNumber,
    ...(shipment.trackingUrl ? { trackingUrl: shipment.trackingUrl } : {}),
    shippedAt: new Date(),
  };
  const moved = await deps.database.transaction(async (session) => {
    const order = await moveFulfilment(deps.database, orderId, from, 'shipped', {
      by,
      note: `${shipment.carrier} ${shipment.trackingNumber}`,
      set,
      session,
    });
    if (!order) return null;
    const outboxId = await recordOrderEmail(deps.database, 'order_shipped', order, { shipment }, session);
    return { order, outboxId };
  });
  if (!moved) throw raced('shipped');
  deps.log.info({ orderId: orderId.toHexString(), carrier: shipment.carrier }, 'order shipped');
  return result('shipped', moved.order, [moved.outboxId]);
}

/** Records the carrier's delivery (or the parcel's return) of a shipped order. */
export async function completeFulfilment(
  deps: OutcomeDeps,
  orderId: ObjectId,
  to: Extract<FulfilmentStatus, 'delivered' | 'returned'>,
  by: string,
  note?: string,
): Promise<OutcomeResult<'delivered' | 'returned'>> {
  const { from } = await loadForMove(deps, orderId, to);
  const order = await moveFulfilment(deps.database, orderId, from, to, {
    by,
    ...(note ? { note } : {}),
    set: to === 'delivered' ? { deliveredAt: new Date() } : { returnedAt: new Date() },
  });
  if (!order) throw raced(to);
  deps.log.info({ orderId: orderId.toHexString(), fulfilment: to }, `order ${to}`);
  return result(to, order);
}
