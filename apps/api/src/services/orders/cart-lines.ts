import { ObjectId } from '@simple-shop/db';
import type { OrderLineRequest } from '@simple-shop/orders';
import type { FastifyBaseLogger } from 'fastify';
import type { AppDependencies } from '../../deps';
import { HttpError } from '../../lib/http-error';

/** The order lines of the caller's cart (MongoDB is the cart's durable copy). */
export async function orderLinesFromCart(deps: AppDependencies, userId: string): Promise<OrderLineRequest[]> {
  const cart = await deps.database.collections.carts.findOne({ _id: new ObjectId(userId) });
  if (!cart || cart.items.length === 0)
    throw new HttpError(400, 'CART_EMPTY', 'The cart is empty: add items or send items');
  return cart.items.map((item) => ({ productId: item.productId, quantity: item.quantity }));
}

/** After an order is placed from the cart, the cart is emptied; a failure here loses nothing. */
export async function clearCartAfterOrder(
  deps: AppDependencies,
  userId: string,
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    await deps.database.collections.carts.updateOne(
      { _id: new ObjectId(userId) },
      { $set: { items: [], updatedAt: new Date() } },
    );
  } catch (error) {
    log.warn({ err: error }, 'could not clear the cart after an order');
  }
}
