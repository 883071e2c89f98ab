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
  active: boolean;
  deletedAt?: Date;
  images: string[];
  attributes: Record<string, string>;
  searchTerms?: string[]; // lower-cased words of name and category, for the search index
  createdAt: Date;
  updatedAt: Date;
}

export interface CartDoc {
  _id: ObjectId; // the user id: one cart per user
  items: { productId: ObjectId; quantity: number; addedAt: Date }[];
  updatedAt: Date;
}

export interface OrderDoc {
  _id: ObjectId;
  userId: ObjectId;
  status: string; // OrderStatus from @simple-shop/domain
  items: { productId: ObjectId; name: string; quantity: number; unitPrice: number }[];
  total: number;
  currency: string;
  holdReleasedAt?: Date; // set exactly once when a hold is released or consumed
  holdConsumedAt?: Date;
  expiresAt: Date; // unpaid orders expire after this
  statusReason?: string;
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
  resolvedAt?: Date;
}

export interface EmailOutboxDoc {
  _id: string; // `${kind}:${subjectId}`: one email per (order, kind) by construction
  kind: string;
  to: string;
  subject: string;
  data: Record<string, unknown>;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  sentAt?: Date;
  lastError?: string;
  createdAt: Date;
}
