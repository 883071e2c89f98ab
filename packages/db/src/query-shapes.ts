import type { IndexDescription } from 'mongodb';
import { COLLECTIONS } from './collections';

type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];

/**
 * The shape of one query the code issues: which fields it matches by equality, how it sorts, and
 * which fields it bounds by a range. Values do not matter, only fields. A query with `$or` is one
 * shape per branch (MongoDB plans each branch on its own index).
 *
 * Fields a query also filters on but that no index needs to bound (a status checked on the few
 * documents the index already narrowed to) are left out. Point reads by `_id` are not listed: every
 * collection has the `_id` index. Neither are one-off maintenance queries (the migration's
 * `reserved: {$exists: false}` backfill) and the seed script's.
 */
export interface QueryShape {
  collection: CollectionName;
  /** Where the query is issued, so a change there leads back here. */
  source: string;
  equality?: readonly string[];
  /** In order; an index may serve it forwards or backwards. */
  sort?: Readonly<Record<string, 1 | -1>>;
  /** `$lt`/`$gt`/`$in`/`$all`/`$exists` on these fields must be bounds of the index scan. */
  range?: readonly string[];
}

const {
  users,
  refreshTokens,
  passwordResetTokens,
  products,
  orders,
  reservations,
  inventoryAdjustments,
  payments,
  webhookEvents,
  failedWebhooks,
  emailOutbox,
} = COLLECTIONS;

const newest = { createdAt: -1, _id: -1 } as const;
const productSorts = {
  newest,
  price: { price: 1, _id: 1 },
  name: { name: 1, _id: 1 },
} as const;

/**
 * A reconciliation sweep (apps/worker/src/reconcile): `filter` pages in (sortField, _id) order from a
 * stored resume point, which is a range on the sort key. A `$in` on a few statuses counts as
 * equality: the planner merges the index's sorted runs for each value.
 */
const sweep = (collection: CollectionName, name: string, equality: string[], sortField: string): QueryShape => ({
  collection,
  source: `reconcile sweep ${name}`,
  equality,
  sort: sortField === '_id' ? { _id: 1 } : { [sortField]: 1, _id: 1 },
});

/**
 * Every query shape of the API, the worker and the shared packages; `query-shapes.test.ts` checks that
 * an index in INDEXES supports each. When you add a query, add its shape here (one line).
 */
export const QUERY_SHAPES: readonly QueryShape[] = [
  // Catalog (apps/api/src/services/catalog/product-repository.ts). Price bounds, inStock and search
  // words narrow the page further; the cursor is a range on the sort key, which the sort serves.
  ...Object.entries(productSorts).flatMap(([name, sort]) => [
    { collection: products, source: `product list, sort ${name}`, equality: ['active'], sort },
    { collection: products, source: `product list by category, sort ${name}`, equality: ['active', 'category'], sort },
  ]),
  { collection: products, source: 'product search (searchTerms prefixes)', range: ['searchTerms'] },
  { collection: products, source: 'active stock gauge', equality: ['active'] },
  { collection: products, source: 'inventory migration (pages by _id)', sort: { _id: 1 } },

  // Orders (list-orders.ts: GET /api/orders, GET /api/admin/orders)
  { collection: orders, source: "GET /api/orders (a user's orders)", equality: ['userId'], sort: newest },
  { collection: orders, source: 'GET /api/admin/orders?status=', equality: ['status'], sort: newest },
  { collection: orders, source: 'GET /api/admin/orders (all)', sort: newest },
  { collection: orders, source: "a customer's unpaid orders (hold caps)", equality: ['userId', 'status'] },

  // Inventory (packages/orders/src/inventory, order-outcomes/refund.ts, stock-service.ts)
  { collection: reservations, source: "an order's reservations", equality: ['orderId'] },
  {
    collection: inventoryAdjustments,
    source: "a product's recent stock changes",
    equality: ['productId'],
    sort: { createdAt: -1 },
  },
  { collection: inventoryAdjustments, source: "an order's pending restocks (refund)", equality: ['orderId'] },

  // Payments (checkout-service.ts, order-outcomes)
  { collection: payments, source: 'payment by Checkout Session', equality: ['sessionId'] },
  { collection: payments, source: 'latest open payment of an order', equality: ['orderId'], sort: { createdAt: -1 } },
  { collection: payments, source: 'payment by PaymentIntent (refunds)', equality: ['paymentIntentId'] },

  // Users and sessions (services/auth, services/users/list-users.ts)
  { collection: users, source: 'user by email (login, register, reset)', equality: ['email'] },
  { collection: users, source: 'GET /api/admin/users', sort: newest },
  { collection: refreshTokens, source: 'refresh token by hash', equality: ['tokenHash'] },
  { collection: refreshTokens, source: 'revoke a token family', equality: ['familyId'] },
  { collection: refreshTokens, source: "revoke a user's sessions", equality: ['userId'] },
  { collection: passwordResetTokens, source: 'reset token by hash', equality: ['tokenHash'] },
  { collection: passwordResetTokens, source: "spend a user's reset tokens", equality: ['userId'] },

  // Webhooks and email (failed-webhooks.ts, stripe-events.ts, metric-sources.ts)
  { collection: failedWebhooks, source: 'dead letter by event id', equality: ['eventId'] },
  { collection: failedWebhooks, source: 'GET /api/admin/failed-webhooks', sort: { failedAt: -1, _id: -1 } },
  { collection: failedWebhooks, source: 'dead_letters gauge (unresolved)', range: ['resolvedAt'] },
  { collection: emailOutbox, source: 'email_outcome_unknown gauge', equality: ['status'] },

  // Reconciliation sweeps (apps/worker/src/reconcile/reconcile.ts)
  sweep(webhookEvents, 'webhook-events', ['status'], 'receivedAt'),
  sweep(emailOutbox, 'email-claims', ['status'], 'claimedAt'),
  sweep(emailOutbox, 'email-outbox', ['status'], 'createdAt'),
  sweep(orders, 'orders-overdue', ['status'], 'expiresAt'),
  sweep(orders, 'orders-unconfirmed', ['status'], 'updatedAt'),
  sweep(reservations, 'reservations-held', ['status'], 'createdAt'),
  sweep(reservations, 'reservations-unsettled', ['settled'], '_id'),
  sweep(inventoryAdjustments, 'inventory-adjustments', ['status'], 'createdAt'),
  sweep(products, 'product-markers', [], '_id'),
];

/**
 * True when `index` lets MongoDB answer `shape` from an index scan in the order it wants: the
 * equality fields first (any order), then the sort fields in order (all in the index's direction
 * or all reversed), and every range field somewhere in the key after the equality prefix.
 * Partial indexes are never counted: a query only uses one when it implies the index's filter.
 */
export function indexSupports(index: IndexDescription, shape: QueryShape): boolean {
  if (index.partialFilterExpression) return false;
  const key = Object.entries(index.key as Record<string, unknown>);
  const equality = shape.equality ?? [];
  const prefix = key.slice(0, equality.length).map(([field]) => field);
  if (prefix.length !== equality.length || !equality.every((field) => prefix.includes(field))) return false;

  const sort = Object.entries(shape.sort ?? {});
  const sortPart = key.slice(equality.length, equality.length + sort.length);
  if (sortPart.length !== sort.length) return false;
  const sameWay = sort.every(([field, dir], i) => sortPart[i]![0] === field && sortPart[i]![1] === dir);
  const reversed = sort.every(([field, dir], i) => sortPart[i]![0] === field && sortPart[i]![1] === -dir);
  if (sort.length > 0 && !sameWay && !reversed) return false;

  const afterEquality = key.slice(equality.length).map(([field]) => field);
  return (shape.range ?? []).every((field) => afterEquality.includes(field));
}

/** The first index of `shape.collection` in `indexes` (or its `_id` index) that supports `shape`, or undefined. */
export function supportingIndex(
  shape: QueryShape,
  indexes: Readonly<Record<string, readonly IndexDescription[]>>,
): IndexDescription | undefined {
  return [ID_INDEX, ...(indexes[shape.collection] ?? [])].find((index) => indexSupports(index, shape));
}

/** Every collection has it, without an entry in INDEXES. */
const ID_INDEX: IndexDescription = { key: { _id: 1 }, name: '_id_' };
