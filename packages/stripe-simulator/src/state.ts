// The simulator's whole "Stripe account": plain in-memory maps. Nothing is
// persisted on purpose — each simulator instance (one per test file) starts
// empty, and POST /_sim/reset empties it again.
import type {
  ApiRequestRecord,
  Charge,
  CheckoutSession,
  DeliveryRecord,
  LineItem,
  Metadata,
  PaymentIntent,
  Refund,
  StripeEvent,
} from './types';

export interface SessionRecord {
  session: CheckoutSession;
  /** Not part of the session object on Stripe either (only via expand / the line_items endpoint). */
  lineItems: LineItem[];
  /** `payment_intent_data[...]` from creation, applied when the PaymentIntent is created at payment time. */
  paymentIntentData: { metadata: Metadata; description: string | null };
  expiryTimer: NodeJS.Timeout | null;
}

export interface StoredEvent {
  event: StripeEvent;
  /** The exact JSON that is signed and sent; fixed at creation so resends are byte-identical. */
  payload: string;
}

export class Store {
  readonly sessions = new Map<string, SessionRecord>();
  readonly paymentIntents = new Map<string, PaymentIntent>();
  readonly charges = new Map<string, Charge>();
  readonly refunds = new Map<string, Refund>();
  readonly events = new Map<string, StoredEvent>();
  deliveries: DeliveryRecord[] = [];
  requests: ApiRequestRecord[] = [];

  /** Cancels every session's auto-expiry timer (close/reset). */
  stopTimers(): void {
    for (const record of this.sessions.values()) {
      if (record.expiryTimer) clearTimeout(record.expiryTimer);
      record.expiryTimer = null;
    }
  }

  clear(): void {
    this.stopTimers();
    this.sessions.clear();
    this.paymentIntents.clear();
    this.charges.clear();
    this.refunds.clear();
    this.events.clear();
    this.deliveries = [];
    this.requests = [];
  }
}
