import type { ObjectId } from '@simple-shop/db';
import type { OrderLineRequest } from '@simple-shop/orders';
import type { AppDependencies } from '../../deps';
import { HttpError } from '../../lib/http-error';

/**
 * Caps on what one customer may hold without paying. An unpaid order holds its units until it is paid or
 * expires (CHECKOUT_SESSION_TTL_SECONDS), so without caps one account can take a product's whole stock
 * out of sale, and keep it out by ordering again. Checked before any stock is held:
 *
 * - ORDER_MAX_OPEN_PER_USER unpaid orders at a time → 429 `TOO_MANY_OPEN_ORDERS` (pay or cancel one);
 * - ORDER_MAX_UNITS_PER_PRODUCT units of one product across those orders and this one → 409
 *   `HOLD_LIMIT_REACHED`, with the product, the units already held and the cap.
 *
 * Orders past their expiry that reconciliation has not ended yet still hold stock, so they count.
 * Concurrent orders by the same customer can pass the check together; the per-IP rate limit bounds that
 * overshoot. The query is served by the orders index `user_status`.
 */
export async function checkHoldCaps(
  deps: Pick<AppDependencies, 'config' | 'database'>,
  userId: ObjectId,
  lines: readonly OrderLineRequest[],
): Promise<void> {
  const { ORDER_MAX_OPEN_PER_USER: maxOpen, ORDER_MAX_UNITS_PER_PRODUCT: maxUnits } = deps.config;
  const open = await deps.database.collections.orders
    .find({ userId, status: 'pending_payment' })
    .limit(maxOpen)
    .toArray();
  if (open.length >= maxOpen) {
    throw new HttpError(
      429,
      'TOO_MANY_OPEN_ORDERS',
      `At most ${maxOpen} unpaid orders at a time: pay or cancel one first`,
      { openOrders: open.length, max: maxOpen },
    );
  }

  const held = new Map<string, number>();
  for (const order of open)
    for (const item of order.items) {
      const id = item.productId.toHexString();
      held.set(id, (held.get(id) ?? 0) + item.quantity);
    }
  const requested = new Map<string, number>();
  for (const line of lines) {
    const id = line.productId.toHexString();
    requested.set(id, (requested.get(id) ?? 0) + line.quantity);
  }
  const over = [...requested]
    .filter(([id, quantity]) => (held.get(id) ?? 0) + quantity > maxUnits)
    .map(([productId, quantity]) => ({
      productId,
      requested: quantity,
      held: held.get(productId) ?? 0,
      max: maxUnits,
    }));
  if (over.length > 0) {
    throw new HttpError(
      409,
      'HOLD_LIMIT_REACHED',
      `At most ${maxUnits} units of a product may be held in unpaid orders`,
      { items: over },
    );
  }
}
