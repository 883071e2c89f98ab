import type { OrderDoc } from '@simple-shop/db';
import type { OrderStatus } from '@simple-shop/domain';
import type { Order } from '../../schemas/orders';

/** The one mapping from the stored order to what clients see (no internal fields). */
export function toOrderDto(order: OrderDoc): Order {
  return {
    id: order._id.toHexString(),
    status: order.status as OrderStatus,
    items: order.items.map((item) => ({
      productId: item.productId.toHexString(),
      name: item.name,
      quantity: item.quantity,
      unitPrice: item.unitPrice,
      lineTotal: item.unitPrice * item.quantity,
    })),
    total: order.total,
    currency: order.currency,
    ...(order.statusReason ? { statusReason: order.statusReason } : {}),
    expiresAt: order.expiresAt.toISOString(),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
