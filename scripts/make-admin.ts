/**
 * `pnpm make-admin <email>`: gives an existing user the admin role. Reads MONGODB_URI and
 * MONGODB_DB (default `simple-shop`) from the environment or `.env`. The role applies from the
 * user's next access token (log in again, or wait for the next refresh: at most 15 minutes).
 * Exit codes: 0 done (or already admin), 1 no such user, 2 usage or configuration error.
 */
import { existsSync } from 'node:fs';
import { connectDatabase, promoteToAdmin } from '@simple-shop/db';

if (existsSync('.env')) process.loadEnvFile('.env');

const email = process.argv[2]?.trim();
if (!email || process.argv.length > 3) {
  console.error('usage: pnpm make-admin <email>');
  process.exit(2);
}
const uri = process.env.MONGODB_URI;
if (!uri) {
  console.error('MONGODB_URI is not set (set it in the environment or in .env)');
  process.exit(2);
}
const dbName = process.env.MONGODB_DB || 'simple-shop';

const database = await connectDatabase({ uri, dbName, appName: 'simple-shop-make-admin', ensureIndexes: false });
try {
  const outcome = await promoteToAdmin(database.collections.users, email);
  switch (outcome) {
    case 'promoted':
      console.log(`${email} is now an admin (effective with their next access token).`);
      break;
    case 'already-admin':
      console.log(`${email} is already an admin.`);
      break;
    case 'not-found':
      console.error(`No user with the email ${email} in database ${dbName}. Register first.`);
      process.exitCode = 1;
      break;
  }
} finally {
  await database.close();
}
