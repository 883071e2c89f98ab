/**
 * Fulfilment: where the goods of an order are, next to (not inside) its payment status. Pure,
 * like the order status machine: callers ask whether a move is allowed and write it with a guard
 * on the current fulfilment status, so two admins cannot both ship an order.
 * See docs/order-lifecycle.md.
 */
import type { OrderStatus } from './order-status';

export const FULFILMENT_STATUSES = ['unfulfilled', 'shipped', 'delivered', 'returned'] as const;

export type FulfilmentStatus = (typeof FULFILMENT_STATUSES)[number];

/** A parcel can come back after delivery (a return) as well as on its way (refused at the door). */
const FULFILMENT_TRANSITIONS: Readonly<Record<FulfilmentStatus, readonly FulfilmentStatus[]>> = {
  unfulfilled: ['shipped'],
  shipped: ['delivered', 'returned'],
  delivered: ['returned'],
  returned: [],
};

/**
 * Goods leave only for an order that is paid (a partly refunded order still is). A cancelled,
 * expired, failed, refunded or held-for-review order cannot be shipped; delivery and return
 * reports are accepted whatever happened to the money since, because the parcel is already out.
 */
const SHIPPABLE_ORDER_STATUSES: readonly OrderStatus[] = ['paid'];

export function isFulfilmentStatus(value: string): value is FulfilmentStatus {
  return (FULFILMENT_STATUSES as readonly string[]).includes(value);
}

export function canMoveFulfilment(from: FulfilmentStatus, to: FulfilmentStatus): boolean {
  return FULFILMENT_TRANSITIONS[from].includes(to);
}

/** The fulfilment statuses a move to `to` may start from: the guard of the conditional update. */
export function fulfilmentStatusesAllowing(to: FulfilmentStatus): FulfilmentStatus[] {
  return FULFILMENT_STATUSES.filter((from) => canMoveFulfilment(from, to));
}

/** The order statuses a fulfilment move to `to` needs (empty list = any). */
export function orderStatusesAllowingFulfilment(to: FulfilmentStatus): readonly OrderStatus[] {
  return to === 'shipped' ? SHIPPABLE_ORDER_STATUSES : [];
}

export class InvalidFulfilmentMoveError extends Error {
  override name = 'InvalidFulfilmentMoveError';
  constructor(
    readonly orderStatus: OrderStatus,
    readonly from: FulfilmentStatus,
    readonly to: FulfilmentStatus,
  ) {
    super(
      canMoveFulfilment(from, to)
        ? `a ${orderStatus} order cannot be ${to}`
        : `fulfilment cannot move from ${from} to ${to}`,
    );
  }
}

/** Whether the order, as it stands, allows the fulfilment move. */
export function canFulfil(orderStatus: OrderStatus, from: FulfilmentStatus, to: FulfilmentStatus): boolean {
  const needed = orderStatusesAllowingFulfilment(to);
  return canMoveFulfilment(from, to) && (needed.length === 0 || needed.includes(orderStatus));
}

export function assertFulfilmentMove(orderStatus: OrderStatus, from: FulfilmentStatus, to: FulfilmentStatus): void {
  if (!canFulfil(orderStatus, from, to)) throw new InvalidFulfilmentMoveError(orderStatus, from, to);
}
