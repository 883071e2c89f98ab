import { Type, type Static } from '@sinclair/typebox';
import { AdminOrder } from './orders';
import { Currency, MinorUnits } from './common';

/** The operator's order desk: one order with its payment and history, and the actions on it. */
export const TimelineEntry = Type.Object({
  at: Type.String({ format: 'date-time' }),
  by: Type.String({ description: 'an admin user id, customer, stripe or system' }),
  kind: Type.Union([Type.Literal('payment'), Type.Literal('fulfilment')]),
  from: Type.Optional(Type.String()),
  to: Type.String(),
  note: Type.Optional(Type.String()),
  amount: Type.Optional(MinorUnits),
});

export const PaymentRecord = Type.Object({
  provider: Type.Literal('stripe'),
  status: Type.String(),
  amount: MinorUnits,
  amountRefunded: MinorUnits,
  currency: Currency,
  sessionId: Type.String({ description: 'Stripe Checkout Session id' }),
  paymentIntentId: Type.Optional(Type.String({ description: 'Stripe PaymentIntent id' })),
  createdAt: Type.String({ format: 'date-time' }),
});

export const RefundRecord = Type.Object({
  refundId: Type.String({ description: 'Stripe refund id' }),
  amount: MinorUnits,
  reason: Type.String(),
  by: Type.String(),
  at: Type.String({ format: 'date-time' }),
});

export const AdminOrderDetail = Type.Composite([
  AdminOrder,
  Type.Object({
    payments: Type.Array(PaymentRecord),
    refunds: Type.Array(RefundRecord),
    timeline: Type.Array(TimelineEntry),
  }),
]);
export type AdminOrderDetail = Static<typeof AdminOrderDetail>;

const NonBlank = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: '\\S' });

export const ShipBody = Type.Object(
  {
    carrier: NonBlank(100),
    trackingNumber: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9 _./-]+$' }),
    trackingUrl: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type ShipBody = Static<typeof ShipBody>;

export const DeliverBody = Type.Object(
  { note: Type.Optional(NonBlank(500)) },
  { additionalProperties: false },
);

export const RefundBody = Type.Object(
  {
    amount: Type.Optional(
      Type.Integer({ minimum: 1, description: 'minor units; absent = everything not refunded yet' }),
    ),
    reason: NonBlank(500),
    restock: Type.Boolean({ description: 'put the sold units back on hand (once per order)' }),
  },
  { additionalProperties: false },
);
export type RefundBody = Static<typeof RefundBody>;
