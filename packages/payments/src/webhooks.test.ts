import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { isHandledEventType, verifyStripeEvent } from './webhooks';

const payload = JSON.stringify({
  id: 'evt_1',
  object: 'event',
  type: 'checkout.session.completed',
  data: { object: {} },
});
const sign = (secret: string, timestamp?: number) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });

describe('verifyStripeEvent', () => {
  it('accepts a genuine event and refuses a wrong secret, a tampered body, a stale or missing header', () => {
    expect(verifyStripeEvent(payload, sign('whsec_a'), 'whsec_a').id).toBe('evt_1');
    expect(() => verifyStripeEvent(payload, sign('whsec_b'), 'whsec_a')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    expect(() => verifyStripeEvent(payload.replace('evt_1', 'evt_2'), sign('whsec_a'), 'whsec_a')).toThrow();
    expect(() => verifyStripeEvent(payload, sign('whsec_a', Math.floor(Date.now() / 1000) - 600), 'whsec_a')).toThrow();
    expect(() => verifyStripeEvent(payload, undefined, 'whsec_a')).toThrow();
  });

  it('tries each of several comma-separated secrets (endpoint migration)', () => {
    expect(verifyStripeEvent(payload, sign('whsec_new'), 'whsec_old,whsec_new').id).toBe('evt_1');
    expect(verifyStripeEvent(payload, sign('whsec_old'), 'whsec_old,whsec_new').id).toBe('evt_1');
    expect(() => verifyStripeEvent(payload, sign('whsec_other'), 'whsec_old,whsec_new')).toThrow();
  });

  it('knows which event types the worker handles', () => {
    expect(isHandledEventType('checkout.session.expired')).toBe(true);
    expect(isHandledEventType('customer.created')).toBe(false);
  });
});
