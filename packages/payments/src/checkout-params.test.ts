import { ObjectId } from '@simple-shop/db';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  MAX_SESSION_SECONDS,
  MIN_SESSION_SECONDS,
  checkoutIdempotencyKey,
  checkoutSessionParams,
  sessionExpiry,
  shippingRateFor,
} from './checkout';
import { refundIdempotencyKey } from './refunds';
import { createStripeClient, STRIPE_API_VERSION } from './stripe-client';
import { HANDLED_EVENT_TYPES, isHandledEventType, verifyStripeEvent } from './webhooks';

/** What the shop asks Stripe for: the amounts, keys, expiry and shipping it sends are the order's own. */
const order = {
  _id: new ObjectId('65a000000000000000000001'),
  userId: new ObjectId('65a0000000000000000000aa'),
  currency: 'eur',
  items: [
    { productId: new ObjectId('65a0000000000000000000b1'), name: 'Kettle', quantity: 2, unitPrice: 2999 },
    { productId: new ObjectId('65a0000000000000000000b2'), name: 'Mug', quantity: 1, unitPrice: 850 },
  ],
};
const urls = { successUrl: 'https://shop.test/ok', cancelUrl: 'https://shop.test/cancel' };

describe('checkout session parameters', () => {
  it('charges exactly the snapshot lines, references the order everywhere, and expires at the whole second', () => {
    const params = checkoutSessionParams(order, { ...urls, expiresAt: new Date('2026-03-01T10:30:00.999Z') });
    expect(params).toEqual({
      mode: 'payment',
      line_items: [
        {
          quantity: 2,
          price_data: {
            currency: 'eur',
            unit_amount: 2999,
            product_data: { name: 'Kettle', metadata: { productId: '65a0000000000000000000b1' } },
          },
        },
        {
          quantity: 1,
          price_data: {
            currency: 'eur',
            unit_amount: 850,
            product_data: { name: 'Mug', metadata: { productId: '65a0000000000000000000b2' } },
          },
        },
      ],
      metadata: { orderId: '65a000000000000000000001', userId: '65a0000000000000000000aa' },
      payment_intent_data: { metadata: { orderId: '65a000000000000000000001' } },
      client_reference_id: '65a000000000000000000001',
      success_url: 'https://shop.test/ok',
      cancel_url: 'https://shop.test/cancel',
      expires_at: Math.floor(Date.parse('2026-03-01T10:30:00Z') / 1000),
    });
  });

  it('adds the customer email, the allowed countries and a flat shipping rate only when given', () => {
    const params = checkoutSessionParams(order, {
      ...urls,
      expiresAt: new Date('2026-03-01T10:30:00Z'),
      customerEmail: 'ada@example.test',
      shippingCountries: ['DE', 'FR'],
      shippingAmount: 450,
    });
    expect(params.customer_email).toBe('ada@example.test');
    expect(params.shipping_address_collection).toEqual({ allowed_countries: ['DE', 'FR'] });
    expect(params.shipping_options).toEqual([
      {
        shipping_rate_data: {
          type: 'fixed_amount',
          display_name: 'Standard shipping',
          fixed_amount: { amount: 450, currency: 'eur' },
        },
      },
    ]);
    const bare = checkoutSessionParams(order, {
      ...urls,
      expiresAt: new Date('2026-03-01T10:30:00Z'),
      customerEmail: '',
      shippingCountries: [],
      shippingAmount: 0,
    });
    expect(bare).not.toHaveProperty('customer_email');
    expect(bare).not.toHaveProperty('shipping_address_collection');
    expect(bare).not.toHaveProperty('shipping_options');
  });

  it('derives one idempotency key per order for its session and its refund', () => {
    expect(checkoutIdempotencyKey('abc')).toBe('order-abc-checkout-session');
    expect(refundIdempotencyKey('abc')).toBe('order-abc-refund');
  });
});

describe('shipping rates', () => {
  it('reads the flat rate of the currency from `code:amount` pairs, 0 when there is none', () => {
    expect(shippingRateFor('usd:500,eur:450', 'eur')).toBe(450);
    expect(shippingRateFor('usd:500,eur:450', 'usd')).toBe(500);
    expect(shippingRateFor('usd:500,eur:450', 'gbp')).toBe(0);
    expect(shippingRateFor('usd', 'usd')).toBe(0);
    expect(shippingRateFor('', 'usd')).toBe(0);
    expect(shippingRateFor(undefined, 'usd')).toBe(0);
  });
});

describe('session expiry', () => {
  const now = new Date('2026-03-01T10:00:00Z');
  const plus = (ms: number) => new Date(now.getTime() + ms);
  it('keeps the order expiry inside Stripe’s window with a minute of margin on both sides', () => {
    expect(MIN_SESSION_SECONDS).toBe(1800);
    expect(MAX_SESSION_SECONDS).toBe(86_400);
    expect(sessionExpiry(plus(3600_000), now)).toEqual(plus(3600_000));
    expect(sessionExpiry(plus(60_000), now)).toEqual(plus(31 * 60_000));
    expect(sessionExpiry(plus(31 * 60_000), now)).toEqual(plus(31 * 60_000));
    expect(sessionExpiry(plus(48 * 3600_000), now)).toEqual(plus(24 * 3600_000 - 60_000));
    expect(sessionExpiry(plus(24 * 3600_000 - 60_000), now)).toEqual(plus(24 * 3600_000 - 60_000));
  });
});

describe('Stripe client', () => {
  it('is disabled without a key', () => {
    expect(createStripeClient({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE: undefined } as never)).toBeNull();
    expect(createStripeClient({ STRIPE_SECRET_KEY: '', STRIPE_API_BASE: undefined } as never)).toBeNull();
  });

  it('talks to the configured base with the pinned version, retries and timeout', () => {
    const fields = (client: Stripe) =>
      (client as unknown as { _api: Record<string, unknown>; _getPropsFromConfig?: unknown })._api;
    const http = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: 'http://127.0.0.1:12111' })!;
    expect(fields(http)).toMatchObject({
      host: '127.0.0.1',
      port: 12111,
      protocol: 'http',
      version: STRIPE_API_VERSION,
      maxNetworkRetries: 2,
      timeout: 10_000,
    });
    expect(
      fields(createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: 'https://stripe.test' })!),
    ).toMatchObject({
      host: 'stripe.test',
      port: 443,
      protocol: 'https',
    });
    expect(
      fields(createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: 'http://stripe.test' })!),
    ).toMatchObject({
      host: 'stripe.test',
      port: 80,
      protocol: 'http',
    });
    expect(fields(createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: undefined })!)).toMatchObject({
      host: 'api.stripe.com',
      version: STRIPE_API_VERSION,
    });
  });
});

describe('webhook events', () => {
  it('handles exactly the checkout, payment-failure and refund events', () => {
    expect([...HANDLED_EVENT_TYPES]).toEqual([
      'checkout.session.completed',
      'checkout.session.async_payment_succeeded',
      'checkout.session.async_payment_failed',
      'checkout.session.expired',
      'payment_intent.payment_failed',
      'charge.refunded',
    ]);
    for (const type of HANDLED_EVENT_TYPES) expect(isHandledEventType(type)).toBe(true);
    expect(isHandledEventType('payment_intent.succeeded')).toBe(false);
  });

  it('trims the secrets of a comma-separated list and reports the last failure when none verifies', () => {
    const payload = JSON.stringify({ id: 'evt_9', object: 'event', type: 'charge.refunded', data: { object: {} } });
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_two' });
    expect(verifyStripeEvent(payload, header, 'whsec_one, whsec_two ').id).toBe('evt_9');
    expect(() => verifyStripeEvent(payload, header, 'whsec_one,whsec_three')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });
});
