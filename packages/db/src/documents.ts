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
  stock: number; // units available to sell (holds are already taken out)
  /**
   * Units held by unpaid orders, keyed by order id. A hold is taken, released or consumed in the
   * same single-document update that moves `stock`, so each ends exactly once without a transaction.
   */
  holds?: Record<string, number>;
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
  paidAt?: Date;
  refundedAt?: Date;
  history: { status: string; at: Date; reason?: string }[];
  createdAt: Date;
  updatedAt: Date;
}

export interface OrderItemDoc {
  _id: ObjectId;
  orderId: ObjectId;
  productId: ObjectId;
  name: string;
  quantity: number;
  unitPrice: number;
  currency: string;
  createdAt: Date;
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
  createdAt: Date;
  updatedAt: Date;
}

export interface IdempotencyKeyDoc {
  _id: string; // `${scope}:${userId}:${key}`
  requestHash: string;
  status: 'in_progress' | 'completed';
  response?: { statusCode: number; body: unknown };
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
