import Stripe from 'stripe';

/**
 * Verifies a Stripe webhook on its raw bytes (never re-serialised JSON) with the endpoint secret(s).
 * Throws Stripe's StripeSignatureVerificationError for a wrong secret, a tampered body, a
 * missing/garbled header or a timestamp older than the tolerance (300 s).
 */
export function verifyStripeEvent(
  rawBody: string | Buffer,
  signature: string | undefined,
  secrets: string,
): Stripe.Event {
  // Several comma-separated secrets are accepted while an endpoint is being moved; the first
  // that verifies wins. An empty header makes the SDK throw its own verification error.
  let lastError: unknown;
  for (const secret of secrets.split(',')) {
    try {
      return Stripe.webhooks.constructEvent(rawBody, signature ?? '', secret.trim());
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** The Checkout and payment events the worker acts on; anything else is recorded as ignored. */
export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'payment_intent.payment_failed',
  'charge.refunded',
] as const;
export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number];

export function isHandledEventType(type: string): type is HandledEventType {
  return (HANDLED_EVENT_TYPES as readonly string[]).includes(type);
}
