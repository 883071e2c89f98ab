import { Type, type Static } from '@sinclair/typebox';
import { MAX_LINE_QUANTITY } from '../services/cart/cart-service';
import { ProductId } from './products';

const Quantity = Type.Integer({
  minimum: 1,
  maximum: MAX_LINE_QUANTITY,
  description: `Integer 1-${MAX_LINE_QUANTITY} (a JSON number; "2" is rejected)`,
});

/** Only the product and a quantity: a price (or anything else) in the body is a 400. */
export const CartAddBody = Type.Object(
  { productId: ProductId, quantity: Quantity },
  {
    additionalProperties: false,
    description: `Adds quantity to the line; the line total is at most ${MAX_LINE_QUANTITY}`,
  },
);
export type CartAddBody = Static<typeof CartAddBody>;

export const CartUpdateBody = Type.Object(
  { productId: ProductId, quantity: Quantity },
  { additionalProperties: false, description: 'Sets the quantity of a line already in the cart' },
);
export type CartUpdateBody = Static<typeof CartUpdateBody>;

export const CartRemoveBody = Type.Object({ productId: ProductId }, { additionalProperties: false });
export type CartRemoveBody = Static<typeof CartRemoveBody>;

const CartItem = Type.Object({
  productId: Type.String(),
  name: Type.String(),
  quantity: Type.Integer(),
  unitPrice: Type.Integer({ description: 'Current catalog price, integer minor units' }),
  lineTotal: Type.Integer({ description: 'unitPrice × quantity' }),
});

const UnavailableItem = Type.Object({
  productId: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  quantity: Type.Integer(),
  reason: Type.Union([Type.Literal('inactive'), Type.Literal('deleted'), Type.Literal('currency_mismatch')], {
    description:
      'inactive: hidden by an admin, may come back; deleted: gone (dropped at the next cart change); ' +
      'currency_mismatch: the product is now priced in another currency than the cart',
  }),
});

export const CartView = Type.Object(
  {
    items: Type.Array(CartItem, { description: 'Purchasable lines, priced from the current catalog' }),
    unavailableItems: Type.Array(UnavailableItem, {
      description: 'Lines that can not be bought now; not in subtotal and not ordered',
    }),
    subtotal: Type.Integer({ description: 'Sum of items[].lineTotal, integer minor units' }),
    currency: Type.Union([Type.String(), Type.Null()], {
      description: 'ISO 4217 (lower case) of the cart; null while it has no purchasable line',
    }),
  },
  { description: "The caller's cart" },
);
export type CartView = Static<typeof CartView>;
