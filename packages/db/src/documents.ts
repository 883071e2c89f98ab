import type { ObjectId } from 'mongodb';

/**
 * The shape of every document the product stores. Money is always integer minor units
 * (`amount`/`price`) with an ISO currency. Field names are the database's; routes map them to
 * response DTOs explicitly (never by projection: see ENVIRONMENT.md).
 */

export type Role = 'customer' | 'admin';

export interface UserDoc {
  _id: ObjectId;
  email: string; // normalised: trimmed, lower-cased
  name: string;
  role: Role;
  passwordHash: string;
  passwordChangedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface RefreshTokenDoc {
  _id: ObjectId;
  userId: ObjectId;
  familyId: string;
  tokenHash: string; // sha256 of the opaque token; the token itself is never stored
  expiresAt: Date; // TTL index
  usedAt?: Date; // set when rotated; presenting it again is reuse
  revokedAt?: Date;
  revokedReason?: string;
  parentId?: ObjectId; // the token this one replaced (rotation chain)
  createdAt: Date;
}

export interface PasswordResetTokenDoc {
  _id: ObjectId;
  userId: ObjectId;
  tokenHash: string;
  expiresAt: Date;
  usedAt?: Date;
  createdAt: Date;
}

export interface ProductDoc {
  _id: ObjectId;
  name: string;
  description: string;
  category: string;
  price: number;
  currency: string;
  /** Available to sell: on hand minus reserved. What the catalog shows as `stock`; never negative. */
  stock: number;
  /** Units reserved by open orders (see `reservations`). On hand = `stock` + `reserved`. */
  reserved?: number;
  /**
   * One marker per reservation whose units are counted in `reserved`, keyed by reservation id. The
   * marker moves in the same single-document update as the counters, which is what makes each
   * reservation's effect on the product happen exactly once without a transaction.
   */
  holds?: Record<string, number>;
  /**
   * Stock adjustments (restocks, admin changes) applied to the counters but not yet marked applied
   * on their `inventory-adjustments` record, keyed by adjustment id: an adjustment is applied once.
   */
  applied?: Record<string, number>;
  active: boolean;
  deletedAt?: Date;
  images: string[];
  attributes: Record<string, string>;
  searchTerms?: string[]; // lower-cased words of name and category, for the search index
  sku?: string; // stable catalog key (unique when present); the seed upserts by it
  createdAt: Date;
  updatedAt: Date;
}

export interface CartDoc {
  _id: ObjectId; // the user id: one cart per user
  items: { productId: ObjectId; quantity: number; addedAt: Date }[];
  /**
   * Bumped by every write through the cart service (optimistic concurrency, and the Redis copy is
   * only replaced by a newer version). Writers that bypass the service leave the Redis copy stale.
   */
  version?: number;
  updatedAt: Date;
}

export interface OrderDoc {
  _id: ObjectId;
  userId: ObjectId;
  status: string; // OrderStatus from @simple-shop/domain
  items: { productId: ObjectId; name: string; quantity: number; unitPrice: number }[];
  total: number;
  currency: string;
  expiresAt: Date; // unpaid orders expire after this
  statusReason?: string;
  /** Checkout Session of this order (one per order), once created. */
  checkoutSessionId?: string;
  /** Fixed before the session is created, so a retried creation sends identical parameters. */
  checkoutExpiresAt?: Date;
  /** The flat shipping rate charged on top of `total` (minor units), fixed with `checkoutExpiresAt`. */
  shippingAmount?: number;
  /** Where the goods go: collected by Checkout, stored by the payment transaction. */
  shippingAddress?: ShippingAddress;
  paidAt?: Date;
  refundedAt?: Date;
  history: { status: string; at: Date; reason?: string }[];
  /** FulfilmentStatus from @simple-shop/domain; absent means `unfulfilled` (orders before fulfilment existed). */
  fulfilmentStatus?: string;
  fulfilment?: OrderFulfilment;
  /** Sum of the refunds recorded on this order, minor units. Absent means nothing refunded. */
  refundedAmount?: number;
  /** One entry per Stripe refund (its id makes recording it idempotent). */
  refunds?: OrderRefund[];
  /** Stripe refund ids of `refunds`, the guard that records each refund once. */
  refundIds?: string[];
  /**
   * Set before the shop asks Stripe to refund a payment that arrived after the order's stock was
   * sold: from then on the order is never paid, only that refund finished (see payOrder).
   */
  outOfStockRefund?: { paymentIntentId: string; reason: string; at: Date };
  /** The operator's and the customer's view of what happened: payment and fulfilment events. */
  timeline?: OrderTimelineEntry[];
  createdAt: Date;
  updatedAt: Date;
}

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  state?: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface OrderFulfilment {
  carrier?: string;
  trackingNumber?: string;
  trackingUrl?: string;
  shippedAt?: Date;
  deliveredAt?: Date;
  returnedAt?: Date;
}

export interface OrderRefund {
  refundId: string;
  amount: number;
  reason: string;
  by: string;
  at: Date;
}

/**
 * One event of an order's life. `by` is an admin's user id, `customer`, `stripe` or `system:*`;
 * `kind` says which state moved (`payment` for status and refunds, `fulfilment` for goods).
 * This is also the audit record of every order-desk action.
 */
export interface OrderTimelineEntry {
  at: Date;
  by: string;
  kind: 'payment' | 'fulfilment';
  from?: string;
  to: string;
  note?: string;
  amount?: number;
}

/**
 * Units of one product reserved by one order line (Medusa's "reservation item"). The product's
 * `reserved` counter is the sum of its held (and not yet settled) reservations. Lifecycle:
 * `held` → `consumed` (the order was paid, inside the payment transaction) or `released` (the order
 * ended unpaid); `settled` turns true once the product's counters reflect the end. The id is
 * `${orderId}-${productId}-${attempt}`: a late payment after a release takes a new attempt.
 */
export interface ReservationDoc {
  _id: string;
  orderId: ObjectId;
  productId: ObjectId;
  quantity: number;
  status: 'held' | 'consumed' | 'released';
  settled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The audit record of every stock change that is not a reservation: admin settings and deltas,
 * restocks after refunds. `pending` until applied to the product (exactly once, through the
 * product's `applied` marker), `rejected` when it would take available stock below zero.
 */
export interface InventoryAdjustmentDoc {
  _id: string;
  productId: ObjectId;
  delta: number;
  kind: 'set_on_hand' | 'delta' | 'restock';
  reason: string;
  /** Who: an admin's user id, or `system:<what>` for restocks. */
  by: string;
  orderId?: ObjectId;
  status: 'pending' | 'applied' | 'rejected';
  onHandBefore?: number;
  onHandAfter?: number;
  createdAt: Date;
  appliedAt?: Date;
}

/** Where a paging sweep resumes on its next run (see the worker's reconciliation). */
export interface SweepCursorDoc {
  _id: string;
  /** The sort values of the last document handled; absent: start from the beginning. */
  after?: unknown[];
  updatedAt: Date;
}

export interface PaymentDoc {
  _id: ObjectId;
  orderId: ObjectId;
  userId: ObjectId;
  provider: 'stripe';
  sessionId: string;
  sessionUrl?: string;
  expiresAt?: Date;
  paymentIntentId?: string;
  status: string; // open | succeeded | failed | expired | refunded
  amount: number;
  currency: string;
  refundId?: string;
  /** Sum refunded so far (partial refunds), minor units. */
  amountRefunded?: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface IdempotencyKeyDoc {
  _id: string; // `${scope}:${userId}:${key}`
  requestHash: string;
  status: 'in_progress' | 'completed';
  response?: { statusCode: number; body: unknown };
  /** Which request holds the claim; only it may complete or free it. Absent on claims written before leases. */
  owner?: string;
  /** While `in_progress`: until when the claim is reserved for `owner`. After it a retry may take the claim over. */
  leaseExpiresAt?: Date;
  expiresAt: Date;
  createdAt: Date;
}

export interface WebhookEventDoc {
  _id: string; // Stripe event id
  type: string;
  payload: string; // the raw, verified JSON
  status: 'received' | 'queued' | 'processing' | 'processed' | 'ignored' | 'failed';
  queuedAt?: Date;
  processedAt?: Date;
  attempts: number;
  lastError?: string;
  /** One entry per failed processing attempt (unique by attempt number). */
  attemptLog?: { attempt: number; at: Date; error: string }[];
  /** What processing did (paid, expired, ignored...). */
  outcome?: string;
  receivedAt: Date;
  expiresAt: Date; // TTL: 30 days
}

export interface FailedWebhookDoc {
  _id: ObjectId;
  eventId: string;
  type: string;
  error: string;
  attempts: { at: Date; error: string }[];
  failedAt: Date;
  replayedAt?: Date;
  replayCount?: number;
  replayJobId?: string;
  resolvedAt?: Date;
}

export interface EmailOutboxDoc {
  _id: string; // `${kind}:${subjectId}`: one email per (order, kind) by construction
  kind: string; // EmailKind (see email-outbox.ts)
  subjectId?: string; // what the email is about: reset-token id, order id
  to: string;
  subject: string;
  data: Record<string, unknown>; // template data; may hold secrets (reset links): never log it
  /**
   * pending → sending (claimed by one job attempt) → sent. An SMTP error puts it back to pending
   * (retried) or, after the last attempt, failed. A claim whose worker died mid-send is `unknown`:
   * never re-sent automatically (at most once), and an operator decides.
   */
  status: 'pending' | 'sending' | 'sent' | 'failed' | 'unknown';
  claimedBy?: string;
  claimedAt?: Date;
  attempts: number;
  messageId?: string; // `<${_id}@simple-shop>`, the same on every attempt
  sentAt?: Date;
  lastError?: string;
  lastAttemptAt?: Date;
  createdAt: Date;
}
