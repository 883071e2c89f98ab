/**
 * For `pnpm dev`: an embedded MongoDB (jongodb, mongodb-memory-server, testcontainers) starts empty,
 * so it gets the demo catalog and accounts before the API starts. A MongoDB named by MONGODB_URI
 * is never seeded implicitly (`pnpm seed` does that on request).
 */
import { connectDatabase } from '@simple-shop/db';
import { describeSeed, seedDatabase } from './index';

export async function seedEmbeddedDatabase(
  uri: string,
  dbName = process.env.MONGODB_DB || 'simple-shop',
): Promise<string[]> {
  try {
    const database = await connectDatabase({ uri, dbName, appName: 'simple-shop-dev-seed' });
    try {
      return describeSeed(await seedDatabase(database));
    } finally {
      await database.close();
    }
  } catch (error) {
    // The API still starts: an empty shop is a worse demo, not a reason to stop.
    console.warn(`[dev] the demo data could not be seeded: ${(error as Error).message}`);
    return ['Demo data: not seeded (see the warning above); run `pnpm seed` with MONGODB_URI set'];
  }
}
