/**
 * `seedDatabase`: the demo catalog and accounts, idempotent. Used by `pnpm seed` (scripts/seed.ts)
 * and by `pnpm dev` when it runs on an embedded MongoDB.
 *
 * Products are keyed by a stable `sku` (unique index): one query lists the skus already present,
 * and only the missing products are written, in one `insertMany`. Existing products are never
 * touched, so stock or prices edited since the last run are kept. (One bulk insert instead of a
 * thousand upserts: writes on the offline MongoDB stand-in cost time proportional to collection size.)
 */
import type { Database } from '@simple-shop/db';
import { DEFAULT_PRODUCT_COUNT, generateCatalog } from './catalog';
import { demoAccounts, seedUsers, type DemoAccount } from './users';

export interface SeedOptions {
  /** Products in the demo catalog (default 1,000). */
  productCount?: number;
  /** Accounts to create (default: admin@example.com and customer@example.com, see users.ts). */
  accounts?: DemoAccount[];
}

export interface SeedResult {
  products: { inserted: number; existing: number; total: number };
  users: { created: string[]; existing: string[] };
  accounts: DemoAccount[];
  ms: number;
}

const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000;

export async function seedDatabase(database: Database, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const count = options.productCount ?? DEFAULT_PRODUCT_COUNT;
  const accounts = options.accounts ?? demoAccounts();
  const catalog = generateCatalog(count);
  const products = database.collections.products;

  let inserted = 0;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const present = new Set(
      (await products.distinct('sku', { sku: { $in: catalog.map((p) => p.sku!) } })).filter(
        (sku): sku is string => typeof sku === 'string',
      ),
    );
    const missing = catalog.filter((product) => !present.has(product.sku!));
    if (missing.length === 0) break;
    try {
      await products.insertMany(missing, { ordered: false });
      inserted += missing.length;
      break;
    } catch (error) {
      // Another seed ran at the same time: look again and insert what is still missing.
      if (!isDuplicateKey(error) || attempt === 2) throw error;
    }
  }

  const users = await seedUsers(database, accounts);
  return {
    products: {
      inserted,
      existing: count - inserted,
      total: await products.countDocuments({ sku: { $exists: true } }),
    },
    users,
    accounts,
    ms: Math.round(performance.now() - started),
  };
}

/** The lines `pnpm seed` and `pnpm dev` print. */
export function describeSeed(result: SeedResult): string[] {
  const { products, users } = result;
  return [
    `Catalog: ${products.inserted} products added, ${products.existing} already present (${products.total} seeded products in total) in ${result.ms} ms`,
    'Demo accounts (POST /api/auth/login with {email, password}):',
    ...result.accounts.map((account) => {
      const state = users.created.includes(account.email) ? 'created' : 'already existed; password unchanged';
      return `  ${account.role.padEnd(8)} ${account.email}  password: ${account.password}  (${state})`;
    }),
  ];
}

export { DEFAULT_PRODUCT_COUNT, SEED_CATEGORIES, generateCatalog, generateProduct } from './catalog';
export { DEFAULT_ADMIN_PASSWORD, DEFAULT_CUSTOMER_PASSWORD, demoAccounts } from './users';
