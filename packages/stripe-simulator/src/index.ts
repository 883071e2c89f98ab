// @simple-shop/stripe-simulator — a local stand-in for the Stripe API, the
// hosted Checkout page and webhook delivery, so checkout/payment code and its
// tests run offline against the official `stripe` SDK:
//
//   const sim = await startStripeSimulator({ webhookSecret: 'whsec_test', webhookUrl });
//   const stripe = new Stripe('sk_test_simulator', { host: '127.0.0.1', port: sim.port, protocol: 'http' });
export { startStripeSimulator } from './server';
export { signPayload } from './webhooks/sign';
export { DEFAULT_FAULTS } from './faults';
export { SIMULATED_API_VERSION } from './objects/api-version';
export { idOf } from './simulation';
export { SIMULATED_EVENT_TYPES } from './types';
export type { SdkShape } from './objects/sdk-shape';
export { formatAmount } from './currency';
export type { StripeSimulator, StripeSimulatorOptions } from './options';
export type { FaultControls, Faults } from './faults';
export type { Logger } from './webhooks/deliverer';
export type {
  ApiRequestRecord,
  Charge,
  ChargeStatus,
  CheckoutSession,
  CheckoutSessionPaymentStatus,
  CheckoutSessionStatus,
  CustomerDetails,
  EventObject,
  DeliveryRecord,
  LineItem,
  Metadata,
  PaymentError,
  PaymentIntent,
  PaymentIntentStatus,
  Price,
  Refund,
  RefundReason,
  StripeEvent,
  StripeEventType,
  StripeObject,
} from './types';
