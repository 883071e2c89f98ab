import type { Db, IndexDescription } from 'mongodb';
import { COLLECTIONS } from './collections';
import { EMAIL_OUTBOX_RETENTION_SECONDS } from './email-outbox';

/**
 * An index whose keys change gets a new name (a real server refuses to redefine a name); the one it
 * replaces is listed in `RETIRED_INDEXES` and dropped by `pnpm migrate`.
 *
 * Every index the product relies on, created at start-up (createIndexes is idempotent).
 * Uniqueness rules that protect money and stock live here, not only in code. Each query the code
 * issues is listed in `query-shapes.ts`, and a test checks that one of these indexes supports it.
 */
export const INDEXES: Record<string, IndexDescription[]> = {
  [COLLECTIONS.users]: [
    { key: { email: 1 }, name: 'email_unique', unique: true },
    { key: { createdAt: -1, _id: -1 }, name: 'created_desc' },
  ],
  [COLLECTIONS.refreshTokens]: [
    { key: { tokenHash: 1 }, name: 'token_hash_unique', unique: true },
    { key: { familyId: 1 }, name: 'family' },
    { key: { userId: 1 }, name: 'user' },
    { key: { expiresAt: 1 }, name: 'ttl', expireAfterSeconds: 0 },
  ],
  [COLLECTIONS.passwordResetTokens]: [
    { key: { tokenHash: 1 }, name: 'token_hash_unique', unique: true },
    { key: { userId: 1 }, name: 'user' },
    { key: { expiresAt: 1 }, name: 'ttl', expireAfterSeconds: 0 },
  ],
  [COLLECTIONS.products]: [
    { key: { active: 1, createdAt: -1, _id: -1 }, name: 'active_newest' },
    { key: { active: 1, price: 1, _id: 1 }, name: 'active_price' },
    { key: { active: 1, name: 1, _id: 1 }, name: 'active_name' },
    { key: { active: 1, category: 1, createdAt: -1, _id: -1 }, name: 'active_category_newest' },
    { key: { active: 1, category: 1, price: 1, _id: 1 }, name: 'active_category_price' },
    { key: { active: 1, category: 1, name: 1, _id: 1 }, name: 'active_category_name' },
    { key: { searchTerms: 1 }, name: 'search_terms' },
    // Seeded products carry a stable sku; admin-created ones may not (hence partial, not sparse).
    { key: { sku: 1 }, name: 'sku_unique', unique: true, partialFilterExpression: { sku: { $type: 'string' } } },
  ],
  [COLLECTIONS.orders]: [
    { key: { userId: 1, createdAt: -1, _id: -1 }, name: 'user_newest' },
    { key: { status: 1, createdAt: -1, _id: -1 }, name: 'status_newest' },
    // Reconciliation pages through these two with a resume point on (date, _id).
    { key: { status: 1, expiresAt: 1, _id: 1 }, name: 'status_expiry_id' },
    { key: { status: 1, updatedAt: 1, _id: 1 }, name: 'status_updated' },
    // A customer's unpaid orders (hold caps in apps/api/src/services/orders/hold-caps.ts).
    { key: { userId: 1, status: 1 }, name: 'user_status' },
    // The admin list without a status filter.
    { key: { createdAt: -1, _id: -1 }, name: 'created_desc' },
    // orders_awaiting_fulfilment and its oldest paidAt (scrape time); the order desk's filters.
    { key: { status: 1, fulfilmentStatus: 1, paidAt: 1 }, name: 'status_fulfilment_paid' },
  ],
  [COLLECTIONS.reservations]: [
    { key: { orderId: 1 }, name: 'order' },
    // Reconciliation: held reservations by age, and reservations whose product is not settled yet.
    { key: { status: 1, createdAt: 1, _id: 1 }, name: 'status_created' },
    { key: { settled: 1, _id: 1 }, name: 'settled' },
  ],
  [COLLECTIONS.inventoryAdjustments]: [
    { key: { productId: 1, createdAt: -1 }, name: 'product_newest' },
    // A refund's pending restocks.
    { key: { orderId: 1 }, name: 'order' },
    { key: { status: 1, createdAt: 1, _id: 1 }, name: 'status_created' },
  ],
  [COLLECTIONS.payments]: [
    { key: { sessionId: 1 }, name: 'session_unique', unique: true },
    { key: { orderId: 1, createdAt: -1 }, name: 'order' },
    { key: { paymentIntentId: 1 }, name: 'payment_intent', sparse: true },
  ],
  [COLLECTIONS.idempotencyKeys]: [{ key: { expiresAt: 1 }, name: 'ttl', expireAfterSeconds: 0 }],
  [COLLECTIONS.webhookEvents]: [
    { key: { status: 1, receivedAt: 1, _id: 1 }, name: 'status_received_id' },
    { key: { expiresAt: 1 }, name: 'ttl', expireAfterSeconds: 0 },
  ],
  [COLLECTIONS.failedWebhooks]: [
    { key: { eventId: 1 }, name: 'event_unique', unique: true },
    // With the `_id` tiebreak the list pages by; replaces `failed_desc` ({failedAt: -1}).
    { key: { failedAt: -1, _id: -1 }, name: 'failed_newest' },
    { key: { resolvedAt: 1 }, name: 'resolved' },
  ],
  [COLLECTIONS.emailOutbox]: [
    { key: { status: 1, createdAt: 1, _id: 1 }, name: 'status_created_id' },
    { key: { status: 1, claimedAt: 1, _id: 1 }, name: 'status_claimed_id' },
    // Retention: addresses and order details are not kept for ever (secret fields go when sent).
    { key: { createdAt: 1 }, name: 'retention_ttl', expireAfterSeconds: EMAIL_OUTBOX_RETENTION_SECONDS },
  ],
};

/** Indexes replaced by a longer one above, dropped by the migration. */
export const RETIRED_INDEXES: Record<string, string[]> = {
  [COLLECTIONS.orders]: ['status_expiry'],
  [COLLECTIONS.webhookEvents]: ['status_received'],
  [COLLECTIONS.emailOutbox]: ['status_created'],
  [COLLECTIONS.failedWebhooks]: ['failed_desc'],
};

export async function ensureIndexes(db: Db): Promise<void> {
  for (const [collection, indexes] of Object.entries(INDEXES)) {
    if (indexes.length > 0) await db.collection(collection).createIndexes(indexes);
  }
}
