import type Stripe from 'stripe';
import type { SdkShape } from './objects/sdk-shape';

// The objects the simulator hands out are the `stripe` SDK's own types for the pinned API version
// (in their wire form, see SdkShape), so TypeScript holds them to what real Stripe sends.

export type Metadata = Record<string, string>;

export type CheckoutSession = SdkShape<Stripe.Checkout.Session>;
export type CheckoutSessionStatus = NonNullable<CheckoutSession['status']>;
export type CheckoutSessionPaymentStatus = CheckoutSession['payment_status'];
export type CustomerDetails = NonNullable<CheckoutSession['customer_details']>;
export type ShippingDetails = NonNullable<NonNullable<CheckoutSession['collected_information']>['shipping_details']>;
type AllowedCountry = NonNullable<CheckoutSession['shipping_address_collection']>['allowed_countries'][number];
/** Country codes as the simulator reads them from the form (checked against the list at payment). */
export const asAllowedCountries = (countries: string[]) => countries as AllowedCountry[];
export type LineItem = SdkShape<Stripe.LineItem>;
export type Price = SdkShape<Stripe.Price>;
export type PaymentIntent = SdkShape<Stripe.PaymentIntent>;
export type PaymentIntentStatus = PaymentIntent['status'];
export type PaymentError = NonNullable<PaymentIntent['last_payment_error']>;
export type Charge = SdkShape<Stripe.Charge>;
export type ChargeStatus = Charge['status'];
export type Refund = SdkShape<Stripe.Refund>;
export type RefundReason = NonNullable<Refund['reason']>;

/**
 * Every event type the simulator creates: the ones a Checkout integration receives around
 * payment, decline, delayed payment, expiry and refund when its endpoint listens to everything.
 */
export const SIMULATED_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.expired',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'payment_intent.created',
  'payment_intent.processing',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.pending',
  'charge.succeeded',
  'charge.failed',
  'charge.updated',
  'charge.refunded',
  'refund.created',
] as const satisfies readonly Stripe.Event['type'][];
export type StripeEventType = (typeof SIMULATED_EVENT_TYPES)[number];

/** One event as sent: Stripe's typed event of that type, in wire form. */
export type StripeEvent = SdkShape<Extract<Stripe.Event, { type: StripeEventType }>>;
/** The object an event of type T carries in `data.object`. */
export type EventObject<T extends StripeEventType> = Extract<StripeEvent, { type: T }>['data']['object'];

export type StripeObject = CheckoutSession | PaymentIntent | Charge | Refund;

/** One HTTP attempt to deliver an event to the webhook endpoint. */
export interface DeliveryRecord {
  eventId: string;
  type: StripeEventType;
  url: string;
  /** 1 for the first attempt of a delivery, 2 for its first retry, ... */
  attempt: number;
  /** 0 for the regular delivery, 1..n for copies added by the `duplicateDeliveries` fault, -1 for resendEvent(). */
  copy: number;
  /** HTTP status of the endpoint's answer, null when none arrived (connection error, timeout). */
  statusCode: number | null;
  error: string | null;
  ok: boolean;
  /**
   * The wait scheduled before this attempt: 0 for a first attempt (plus the `deliveryDelayMs` fault),
   * then the retry backoff (`baseDelayMs × factor^(attempt − 2)`). What was planned, not measured.
   */
  delayMs: number;
  /** Epoch milliseconds when the attempt started. */
  at: number;
  durationMs: number;
  /** The Stripe-Signature header that was sent. */
  signature: string;
}

/** One call of the /v1 API, in arrival order. */
export interface ApiRequestRecord {
  requestId: string;
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  /** True when the answer was replayed from the idempotency cache. */
  replayed: boolean;
  at: number;
}
