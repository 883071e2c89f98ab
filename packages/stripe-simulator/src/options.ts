// Public option and handle types of the simulator (re-exported from index.ts).
import type { FaultControls } from './faults';
import type {
  ApiRequestRecord,
  Charge,
  CheckoutSession,
  DeliveryRecord,
  LineItem,
  PaymentIntent,
  Refund,
  StripeEvent,
  StripeEventType,
} from './types';
import type { Logger } from './webhooks/deliverer';

export interface StripeSimulatorOptions {
  /** 0 / undefined = a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Accepted secret keys; default ['sk_test_simulator']. */
  apiKeys?: string[];
  /** whsec_... used to sign deliveries. */
  webhookSecret: string;
  /** Where events are POSTed; may be set later with setWebhookUrl(). */
  webhookUrl?: string;
  /**
   * The endpoint's `enabled_events`, as configured on a Stripe webhook endpoint: default `['*']`
   * (every event the simulator creates). Events of other types are still created and listed by
   * `events()` and `GET /v1/events`, but not delivered.
   */
  enabledEvents?: ReadonlyArray<StripeEventType | '*'>;
  /** Base URL used in session.url (default http://host:port). */
  publicUrl?: string;
  /** Delivery retries: default 1000 ms, 6 attempts, ×2. Tests use small values. */
  retry?: { baseDelayMs?: number; maxAttempts?: number; factor?: number };
  /** How long one delivery attempt may take before it counts as failed; default 10 000 ms like Stripe. */
  deliveryTimeoutMs?: number;
  logger?: Logger;
}

export interface StripeSimulator {
  url: string;
  port: number;
  /** Stops the server and all pending delivery/expiry timers. */
  close(): Promise<void>;
  setWebhookUrl(url: string | undefined): void;
  faults: FaultControls;
  /** Forgets all objects, events, deliveries, requests and idempotency keys, cancels pending deliveries and resets faults. */
  reset(): void;

  // Introspection for tests (copies; mutating them changes nothing).
  sessions(): CheckoutSession[];
  lineItems(sessionId: string): LineItem[];
  paymentIntents(): PaymentIntent[];
  charges(): Charge[];
  refunds(): Refund[];
  events(): StripeEvent[];
  /** Every HTTP delivery attempt, in order. */
  deliveries(): DeliveryRecord[];
  /** Every /v1 API call, in order. */
  requests(): ApiRequestRecord[];

  // Things the real Stripe (or the shopper) would do by itself, triggerable from tests.
  /** Like Stripe's auto-expiry; emits checkout.session.expired. Rejects unless the session is open. */
  expireSession(id: string): Promise<void>;
  /** Settles a delayed (async) payment; emits checkout.session.async_payment_succeeded / _failed. */
  completeAsyncPayment(id: string, outcome: 'succeeded' | 'failed'): Promise<void>;
  /** Same as clicking Pay on the hosted page (async: delayed bank transfer). */
  pay(id: string, opts?: { async?: boolean }): Promise<void>;
  /** Same as paying with a declining card; emits payment_intent.payment_failed. */
  decline(id: string): Promise<void>;
  /** Delivers the event again (own retry chain). Resolves after the first attempt. */
  resendEvent(eventId: string): Promise<void>;
  /** Resolves when no delivery is held, pending or in flight (flushes `reorder`-held events first). */
  waitForDeliveries(): Promise<void>;
}
