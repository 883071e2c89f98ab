/**
 * The order state machine. Pure: callers load an order, ask whether a move is allowed, and
 * write it with a guard on the current status so two processes cannot both make a move.
 * See docs/order-lifecycle.md for the diagram.
 */
export const ORDER_STATUSES = [
  'pending_payment',
  'paid',
  'payment_failed',
  'cancelled',
  'expired',
  'refunded',
  'needs_review',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Allowed moves. A payment can arrive late (after cancel/expiry/failure) because Stripe does not
 * order events: such an order may still become `paid` (if its stock can be taken again) or
 * `refunded` (if not) — money is never kept without goods, nor goods given without money.
 */
const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending_payment: ['paid', 'payment_failed', 'cancelled', 'expired', 'needs_review', 'refunded'],
  payment_failed: ['paid', 'refunded', 'needs_review'],
  cancelled: ['paid', 'refunded', 'needs_review'],
  expired: ['paid', 'refunded', 'needs_review'],
  paid: ['refunded', 'needs_review'],
  needs_review: ['paid', 'refunded', 'cancelled'],
  refunded: [],
};

export function isOrderStatus(value: string): value is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses an order may be in for a move to `to` — used as the guard of a conditional update. */
export function statusesAllowing(to: OrderStatus): OrderStatus[] {
  return ORDER_STATUSES.filter((from) => canTransition(from, to));
}

export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
  constructor(
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`order cannot move from ${from} to ${to}`);
  }
}

export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

/** Only an unpaid, live order holds stock; every other status has consumed or released it. */
export function holdsStock(status: OrderStatus): boolean {
  return status === 'pending_payment';
}

export function isTerminal(status: OrderStatus): boolean {
  return TRANSITIONS[status].length === 0;
}
