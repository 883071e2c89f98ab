import type { OrderDoc } from '@simple-shop/db';
import type { FulfilmentStatus, OrderStatus } from '@simple-shop/domain';
import type { Order } from '../../schemas/orders';

const iso = (date: Date | undefined) => (date ? { value: date.toISOString() } : undefined);

/** Fulfilment as clients see it; orders written before it existed are `unfulfilled`. */
function toFulfilmentDto(order: OrderDoc): Order['fulfilment'] {
  const f = order.fulfilment ?? {};
  const shippedAt = iso(f.shippedAt);
  const deliveredAt = iso(f.deliveredAt);
  const returnedAt = iso(f.returnedAt);
  return {
    status: (order.fulfilmentStatus ?? 'unfulfilled') as FulfilmentStatus,
    ...(f.carrier ? { carrier: f.carrier } : {}),
    ...(f.trackingNumber ? { trackingNumber: f.trackingNumber } : {}),
    ...(f.trackingUrl ? { trackingUrl: f.trackingUrl } : {}),
    ...(shippedAt ? { shippedAt: shippedAt.value } : {}),
    ...(deliveredAt ? { deliveredAt: deliveredAt.value } : {}),
    ...(returnedAt ? { returnedAt: returnedAt.value } : {}),
  };
}

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
    fulfilment: toFulfilmentDto(order),
    ...(order.shippingAddress ? { shippingAddress: { ...order.shippingAddress } } : {}),
    ...(order.shippingAmount === undefined ? {} : { shippingAmount: order.shippingAmount }),
    refundedAmount: order.refundedAmount ?? 0,
    expiresAt: order.expiresAt.toISOString(),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
