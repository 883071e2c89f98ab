/**
 * The bench's own data: the demo catalog (packages/seed, a few hundred products in one bulk insert),
 * shoppers inserted in bulk with access tokens signed like the API signs them (the test harness
 * does the same: registering hundreds of users through argon2 is not what is measured), and the
 * resets that keep the write-heavy collections small between scenarios.
 */
import { randomBytes } from 'node:crypto';
import { invalidateProducts } from '@simple-shop/cache';
import { connectDatabase, ObjectId, type Database, type UserDoc } from '@simple-shop/db';
import type { Redis } from '@simple-shop/queue';
import { signTestAccessToken } from '@simple-shop/testing/jwt';
import { seedDatabase } from '@simple-shop/seed';

/** Stock of every product during the run, so that no order fails for want of stock. */
export const BENCH_STOCK = 1_000_000;

export interface BenchUser {
  id: string;
  email: string;
  token: string;
  /** `authorization` + `content-type` headers. */
  headers: Record<string, string>;
}

export interface Catalog {
  productIds: string[];
  categories: string[];
  searchQueries: string[];
  /** Every list-page variant the list scenario cycles through (query strings). */
  listQueries: string[];
}

export async function openDatabase(uri: string, dbName: string): Promise<Database> {
  return connectDatabase({ uri, dbName, appName: 'simple-shop-bench' });
}

export async function seedCatalog(database: Database, productCount: number): Promise<Catalog> {
  await seedDatabase(database, { productCount, accounts: [] });
  await database.collections.products.updateMany({}, { $set: { stock: BENCH_STOCK } });
  const docs = await database.collections.products.find({ active: true, deletedAt: { $exists: false } }).toArray();
  const productIds = docs.map((d) => d._id.toHexString());
  const categories = [...new Set(docs.map((d) => d.category))].sort();
  const sorts = ['newest', 'price_asc', 'price_desc', 'name'];
  const listQueries = [
    ...sorts.map((sort) => `sort=${sort}&limit=20`),
    ...categories.flatMap((category) => sorts.map((sort) => `category=${category}&sort=${sort}&limit=20`)),
  ];
  // Words that start product names or categories in the demo catalog (packages/seed/src/catalog.ts).
  const searchQueries = [
    'wireless',
    'bluetooth speaker',
    'cast iron',
    'chef knife',
    'yoga',
    'running shoes',
    'organic',
    'coffee',
    'dark chocolate',
    'puzzle',
    'board game',
    'hoodie',
    'wool',
    'serum',
    'notebook',
    'desk lamp',
    'garden',
    'planter',
    'kitchen',
    'books',
  ];
  return { productIds, categories, searchQueries, listQueries };
}

export async function createUsers(
  database: Database,
  count: number,
  jwt: { JWT_SECRET: string },
): Promise<BenchUser[]> {
  const now = new Date();
  const run = randomBytes(3).toString('hex');
  const docs: UserDoc[] = Array.from({ length: count }, (_, i) => ({
    _id: new ObjectId(),
    email: `bench-${run}-${i}@example.test`,
    name: `Bench Shopper ${i}`,
    role: 'customer',
    passwordHash: '$argon2id$unused-by-the-bench',
    createdAt: now,
    updatedAt: now,
  }));
  await database.collections.users.insertMany(docs);
  // Tokens outlive the run (15 minutes is the API's default access-token lifetime).
  return docs.map((doc) => {
    const token = signTestAccessToken(jwt, { sub: doc._id.toHexString(), role: 'customer' }, 3600);
    return {
      id: doc._id.toHexString(),
      email: doc.email,
      token,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    };
  });
}

/** Waits until the worker has nothing left: no event received/queued, no email pending. */
export async function waitForWorkerIdle(database: Database, timeoutMs = 60_000): Promise<boolean> {
  const { webhookEvents, emailOutbox } = database.collections;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [events, emails] = await Promise.all([
      webhookEvents.countDocuments({ status: { $in: ['received', 'queued'] } }),
      emailOutbox.countDocuments({ status: 'pending' }),
    ]);
    if (events === 0 && emails === 0) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * Empties what the write scenarios filled (orders, payments, events, emails, carts, idempotency
 * keys), gives every product its bench stock back without holds, and invalidates the product cache
 * and cart copies. On the stand-in, the cost of every write grows with its collection's size, so
 * each write-heavy scenario starts from the same small collections.
 */
export async function resetWriteState(
  database: Database,
  redis: Redis,
  keyPrefix: string,
  productIds: string[],
): Promise<void> {
  const c = database.collections;
  await Promise.all([
    c.orders.deleteMany({}),
    c.reservations.deleteMany({}),
    c.inventoryAdjustments.deleteMany({}),
    c.payments.deleteMany({}),
    c.webhookEvents.deleteMany({}),
    c.failedWebhooks.deleteMany({}),
    c.emailOutbox.deleteMany({}),
    c.idempotencyKeys.deleteMany({}),
    c.carts.deleteMany({}),
  ]);
  await c.products.updateMany({}, { $set: { stock: BENCH_STOCK, reserved: 0 }, $unset: { holds: '', applied: '' } });
  await invalidateProducts(redis, keyPrefix, productIds);
  await deleteKeys(redis, `${keyPrefix}:cart:*`);
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
