import type { OrderDoc } from '@simple-shop/db';
import type Stripe from 'stripe';

/** Stripe accepts a Checkout Session expiry 30 minutes to 24 hours ahead. */
export const MIN_SESSION_SECONDS = 30 * 60;
export const MAX_SESSION_SECONDS = 24 * 3600;

/** The key that makes "create the session of this order" one operation however often it is retried. */
export function checkoutIdempotencyKey(orderId: string): string {
  return `order-${orderId}-checkout-session`;
}

/**
 * Checkout Session parameters from the order snapshot: names, unit prices and quantities are the
 * ones the order was created with, so Stripe charges exactly the order total.
 */
export function checkoutSessionParams(
  order: Pick<OrderDoc, '_id' | 'items' | 'currency' | 'userId'>,
  options: {
    successUrl: string;
    cancelUrl: string;
    expiresAt: Date;
    customerEmail?: string;
    /** Where the shop ships to: Checkout collects an address in one of these countries. */
    shippingCountries?: readonly string[];
    /** The flat shipping rate fixed for this order (minor units of its currency); 0 = free. */
    shippingAmount?: number;
  },
): Stripe.Checkout.SessionCreateParams {
  const orderId = order._id.toHexString();
  return {
    mode: 'payment',
    line_items: order.items.map((item) => ({
      quantity: item.quantity,
      price_data: {
        currency: order.currency,
        unit_amount: item.unitPrice,
        product_data: { name: item.name, metadata: { productId: item.productId.toHexString() } },
      },
    })),
    metadata: { orderId, userId: order.userId.toHexString() },
    payment_intent_data: { metadata: { orderId } },
    client_reference_id: orderId,
    success_url: options.successUrl,
    cancel_url: options.cancelUrl,
    expires_at: Math.floor(options.expiresAt.getTime() / 1000),
    ...(options.customerEmail ? { customer_email: options.customerEmail } : {}),
    ...(options.shippingCountries?.length
      ? {
          shipping_address_collection: {
            allowed_countries: [
              ...options.shippingCountries,
            ] as Stripe.Checkout.SessionCreateParams.ShippingAddressCollection.AllowedCountry[],
          },
        }
      : {}),
    ...(options.shippingAmount
      ? {
          shipping_options: [
            {
              shipping_rate_data: {
                type: 'fixed_amount' as const,
                display_name: 'Standard shipping',
                fixed_amount: { amount: options.shippingAmount, currency: order.currency },
              },
            },
          ],
        }
      : {}),
  };
}

/** `usd:500,eur:450` → the flat rate of `currency` in minor units (0 when none is configured). */
export function shippingRateFor(rates: string | undefined, currency: string): number {
  for (const entry of (rates ?? '').split(',')) {
    const [code, amount] = entry.split(':');
    if (code === currency && amount !== undefined) return Number(amount);
  }
  return 0;
}

/** A session expiry Stripe accepts: the order's own expiry, clamped into [now+30 min, now+24 h]. */
export function sessionExpiry(orderExpiresAt: Date, now: Date): Date {
  const min = now.getTime() + MIN_SESSION_SECONDS * 1000 + 60_000;
  const max = now.getTime() + MAX_SESSION_SECONDS * 1000 - 60_000;
  return new Date(Math.min(Math.max(orderExpiresAt.getTime(), min), max));
}
