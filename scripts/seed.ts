/**
 * `pnpm seed`: writes the demo catalog (1,000 products in 10 categories, deterministic) and the demo
 * accounts into MONGODB_URI / MONGODB_DB. Safe to run again: nothing is duplicated, nothing edited
 * since is reset. Options: SEED_PRODUCT_COUNT, SEED_ADMIN_PASSWORD, SEED_CUSTOMER_PASSWORD.
 */
import { existsSync } from 'node:fs';
import { connectDatabase } from '@simple-shop/db';
import { describeSeed, seedDatabase, DEFAULT_PRODUCT_COUNT } from '@simple-shop/seed';

if (existsSync('.env')) process.loadEnvFile('.env');

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.error('MONGODB_URI is not set: point it at the MongoDB to seed (pnpm dev seeds its embedded one itself).');
  process.exit(78);
}
const dbName = process.env.MONGODB_DB || 'simple-shop';
const productCount = Number(process.env.SEED_PRODUCT_COUNT || DEFAULT_PRODUCT_COUNT);
if (!Number.isSafeInteger(productCount) || productCount < 0 || productCount > 100_000) {
  console.error('SEED_PRODUCT_COUNT must be an integer from 0 to 100000');
  process.exit(78);
}

const database = await connectDatabase({ uri, dbName, appName: 'simple-shop-seed' });
try {
  const result = await seedDatabase(database, { productCount });
  console.log(`[seed] database ${dbName}`);
  for (const line of describeSeed(result)) console.log(`[seed] ${line}`);
} finally {
  await database.close();
}
