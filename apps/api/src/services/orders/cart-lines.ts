import { ObjectId } from '@simple-shop/db';
import type { OrderLineRequest } from '@simple-shop/orders';
import type { FastifyBaseLogger } from 'fastify';
import type { AppDependencies } from '../../deps';
import { HttpError } from '../../lib/http-error';
import { clearCart, readCart } from '../cart/cart-service';

/**
 * The order lines of the caller's cart, read from MongoDB (the cart's durable copy), with the
 * version read, so the cart is emptied after the order only if the shopper did not change it.
 */
export async function orderLinesFromCart(
  deps: AppDependencies,
  userId: string,
): Promise<{ lines: OrderLineRequest[]; version: number }> {
  const cart = await readCart(deps, userId);
  if (cart.items.length === 0) throw new HttpError(400, 'CART_EMPTY', 'The cart is empty: add items or send items');
  return {
    lines: cart.items.map((item) => ({ productId: new ObjectId(item.productId), quantity: item.quantity })),
    version: cart.version,
  };
}

/** After an order is placed from the cart, the cart is emptied; a failure here loses nothing. */
export async function clearCartAfterOrder(
  deps: AppDependencies,
  userId: string,
  version: number,
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    await clearCart(deps, userId, { ifVersion: version });
  } catch (error) {
    log.warn({ err: error }, 'could not clear the cart after an order');
  }
}
