/**
 * `pnpm migrate`: brings a database written by an earlier version of Simple Shop up to date.
 * Idempotent: safe to run again, after a crash, or while the API and worker are running.
 * Reads MONGODB_URI and MONGODB_DB (default `simple-shop`) from the environment or `.env`.
 * Exit codes: 0 done, 1 failed, 2 configuration error.
 */
import { existsSync } from 'node:fs';
import { connectDatabase } from '@simple-shop/db';
import { migrateInventoryToReservations } from '@simple-shop/orders';

if (existsSync('.env')) process.loadEnvFile('.env');

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.error('MONGODB_URI is not set (set it in the environment or in .env)');
  process.exit(2);
}
const dbName = process.env.MONGODB_DB || 'simple-shop';

const database = await connectDatabase({ uri, dbName, appName: 'simple-shop-migrate' });
try {
  const report = await migrateInventoryToReservations(database);
  console.log(`inventory → reservations on ${dbName}: ${JSON.stringify(report)}`);
} catch (error) {
  console.error('migration failed:', error);
  process.exitCode = 1;
} finally {
  await database.close();
}
