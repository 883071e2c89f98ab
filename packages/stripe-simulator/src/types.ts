// Shapes of the Stripe objects the simulator hands out. They follow the real
// API (field names, nullability, snake_case) closely enough that code written
// against the simulator keeps working against api.stripe.com, but only carry
// the fields a Checkout-based shop can plausibly read.

export type Metadata = Record<string, string>;

export type CheckoutSessionStatus = 'open' | 'complete' | 'expired';
export type CheckoutSessionPaymentStatus = 'paid' | 'unpaid' | 'no_payment_required';

export interface CustomerDetails {
  email: string | null;
  name: string | null;
  phone: string | null;
  address: null;
  tax_exempt: 'none';
  tax_ids: [];
}

export interface CheckoutSession {
  id: string;
  object: 'checkout.session';
  after_expiration: null;
  allow_promotion_codes: boolean | null;
  amount_subtotal: number;
  amount_total: number;
  automatic_tax: { enabled: false; liability: null; status: null };
  billing_address_collection: string | null;
  cancel_url: string | null;
  client_reference_id: string | null;
  client_secret: null;
  created: number;
  currency: string;
  customer: string | null;
  customer_creation: 'if_required' | 'always' | null;
  customer_details: CustomerDetails | null;
  customer_email: string | null;
  expires_at: number;
  invoice: null;
  livemode: false;
  locale: string | null;
  metadata: Metadata;
  mode: 'payment';
  payment_intent: string | null;
  payment_link: null;
  payment_method_types: string[];
  payment_status: CheckoutSessionPaymentStatus;
  status: CheckoutSessionStatus;
  submit_type: string | null;
  subscription: null;
  success_url: string | null;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
  ui_mode: 'hosted';
  /** Null once the session is no longer open, as on Stripe. */
  url: string | null;
}

export interface Price {
  id: string;
  object: 'price';
  active: boolean;
  currency: string;
  livemode: false;
  product: string;
  type: 'one_time';
  unit_amount: number;
  unit_amount_decimal: string;
}

export interface LineItem {
  id: string;
  object: 'item';
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string;
  price: Price;
  quantity: number;
}

export type PaymentIntentStatus = 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';

export interface PaymentError {
  type: 'card_error' | 'invalid_request_error';
  code: string;
  decline_code?: string;
  message: string;
  charge?: string;
}

export interface PaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: 'automatic_async';
  client_secret: string;
  confirmation_method: 'automatic';
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  last_payment_error: PaymentError | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Metadata;
  payment_method: string | null;
  payment_method_types: string[];
  receipt_email: string | null;
  status: PaymentIntentStatus;
}

export type ChargeStatus = 'succeeded' | 'pending' | 'failed';

export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  balance_transaction: string | null;
  captured: boolean;
  created: number;
  currency: string;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  livemode: false;
  metadata: Metadata;
  outcome: {
    network_status: 'approved_by_network' | 'declined_by_network';
    reason: string | null;
    risk_level: 'normal';
    seller_message: string;
    type: 'authorized' | 'issuer_declined';
  } | null;
  paid: boolean;
  payment_intent: string;
  payment_method: string | null;
  receipt_url: string | null;
  refunded: boolean;
  status: ChargeStatus;
}

export type RefundReason = 'duplicate' | 'fraudulent' | 'requested_by_customer';

export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string;
  charge: string;
  created: number;
  currency: string;
  metadata: Metadata;
  payment_intent: string;
  reason: RefundReason | null;
  receipt_number: null;
  status: 'succeeded';
}

export type StripeEventType =
  | 'checkout.session.completed'
  | 'checkout.session.expired'
  | 'checkout.session.async_payment_succeeded'
  | 'checkout.session.async_payment_failed'
  | 'payment_intent.payment_failed'
  | 'charge.refunded'
  | 'refund.created';

export type StripeObject = CheckoutSession | PaymentIntent | Charge | Refund;

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  livemode: false;
  pending_webhooks: number;
  /** The API request that caused the event; both null for things Stripe did by itself or the shopper did on the hosted page. */
  request: { id: string | null; idempotency_key: string | null };
  type: StripeEventType;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
}

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
