import { Type, type Static } from '@sinclair/typebox';

const Reason = Type.String({ minLength: 1, maxLength: 500, pattern: '\\S', description: 'Why (kept on the audit record)' });

export const StockChangeBody = Type.Object(
  {
    onHand: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Set units on hand to this' })),
    expectedOnHand: Type.Optional(
      Type.Integer({ minimum: 0, description: 'With `onHand`: the count the change is based on (409 STALE_STOCK if it changed)' }),
    ),
    delta: Type.Optional(
      Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, description: 'Units received (+) or lost (−)' }),
    ),
    reason: Reason,
  },
  { additionalProperties: false, description: 'Exactly one of `onHand` or `delta`' },
);
export type StockChangeBody = Static<typeof StockChangeBody>;

export const StockAdjustment = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('set_on_hand'), Type.Literal('delta'), Type.Literal('restock')]),
  delta: Type.Integer(),
  reason: Type.String(),
  by: Type.String({ description: "An admin's user id, or `system:…`/`customer`/`stripe` for automatic restocks" }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('applied'), Type.Literal('rejected')]),
  onHandBefore: Type.Optional(Type.Integer()),
  onHandAfter: Type.Optional(Type.Integer()),
  orderId: Type.Optional(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});
export type StockAdjustment = Static<typeof StockAdjustment>;

export const StockLevels = Type.Object(
  {
    productId: Type.String(),
    onHand: Type.Integer(),
    reserved: Type.Integer(),
    available: Type.Integer({ description: 'What shoppers see as `stock`: on hand − reserved' }),
    adjustments: Type.Array(StockAdjustment, { description: 'Newest first (at most 20)' }),
  },
  { description: "A product's inventory levels and its latest stock changes" },
);
export type StockLevels = Static<typeof StockLevels>;
