import { Type, type Static } from '@sinclair/typebox';
import { FULFILMENT_STATUSES, ORDER_STATUSES } from '@simple-shop/domain';
import { Currency, Cursor, Limit, MinorUnits, ObjectIdString } from './common';

export const OrderStatus = Type.Union(
  ORDER_STATUSES.map((s) => Type.Literal(s)),
  { description: 'See docs/order-lifecycle.md' },
);

export const CreateOrderBody = Type.Object(
  {
    items: Type.Optional(
      Type.Array(
        Type.Object(
          { productId: ObjectIdString, quantity: Type.Integer({ minimum: 1, maximum: 99 }) },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 50 },
      ),
    ),
  },
  { additionalProperties: false, description: 'Without items, the order is made from the caller’s cart' },
);
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const OrderItem = Type.Object({
  productId: Type.String(),
  name: Type.String(),
  quantity: Type.Integer(),
  unitPrice: MinorUnits,
  lineTotal: MinorUnits,
});

export const FulfilmentStatus = Type.Union(
  FULFILMENT_STATUSES.map((s) => Type.Literal(s)),
  { description: 'unfulfilled → shipped → delivered | returned (docs/order-lifecycle.md)' },
);

export const Fulfilment = Type.Object({
  status: FulfilmentStatus,
  carrier: Type.Optional(Type.String()),
  trackingNumber: Type.Optional(Type.String()),
  trackingUrl: Type.Optional(Type.String()),
  shippedAt: Type.Optional(Type.String({ format: 'date-time' })),
  deliveredAt: Type.Optional(Type.String({ format: 'date-time' })),
  returnedAt: Type.Optional(Type.String({ format: 'date-time' })),
});

export const ShippingAddress = Type.Object({
  name: Type.String(),
  line1: Type.String(),
  line2: Type.Optional(Type.String()),
  city: Type.String(),
  postalCode: Type.String(),
  state: Type.Optional(Type.String()),
  country: Type.String({ description: 'ISO 3166-1 alpha-2' }),
});

export const Order = Type.Object({
  id: Type.String(),
  status: OrderStatus,
  items: Type.Array(OrderItem),
  total: MinorUnits,
  currency: Currency,
  statusReason: Type.Optional(Type.String()),
  fulfilment: Fulfilment,
  shippingAddress: Type.Optional(ShippingAddress),
  shippingAmount: Type.Optional(
    Type.Integer({ minimum: 0, description: 'flat shipping charged on top of total, minor units' }),
  ),
  refundedAmount: Type.Integer({ minimum: 0, description: 'sum of all refunds so far, minor units' }),
  expiresAt: Type.String({
    format: 'date-time',
    description: 'an unpaid order expires (and frees its stock) at this time',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type Order = Static<typeof Order>;

export const AdminOrder = Type.Composite([Order, Type.Object({ userId: Type.String() })]);

export const OrderListQuery = Type.Object(
  { limit: Limit, cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
export const AdminOrderListQuery = Type.Object(
  {
    limit: Limit,
    cursor: Type.Optional(Cursor),
    status: Type.Optional(OrderStatus),
    fulfilmentStatus: Type.Optional(FulfilmentStatus),
    createdFrom: Type.Optional(Type.String({ format: 'date-time', description: 'created at or after' })),
    createdTo: Type.Optional(Type.String({ format: 'date-time', description: 'created before' })),
    email: Type.Optional(
      Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$', description: "the customer's email" }),
    ),
  },
  { additionalProperties: false },
);
export type AdminOrderListQuery = Static<typeof AdminOrderListQuery>;

export const OrderList = Type.Object({
  items: Type.Array(Order),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'pass as cursor for the next page; null at the end',
  }),
  limit: Type.Integer(),
});
export const AdminOrderList = Type.Object({
  items: Type.Array(AdminOrder),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  limit: Type.Integer(),
});
