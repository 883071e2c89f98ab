export { createStripeClient, Stripe, STRIPE_API_VERSION } from './stripe-client';
export {
  checkoutIdempotencyKey,
  checkoutSessionParams, shippingRateFor,
  sessionExpiry,
  MIN_SESSION_SECONDS,
  MAX_SESSION_SECONDS,
} from './checkout';
export { refundIdempotencyKey } from './refunds';
export { verifyStripeEvent, HANDLED_EVENT_TYPES, isHandledEventType, type HandledEventType } from './webhooks';
