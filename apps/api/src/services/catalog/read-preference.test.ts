import type { ProductDoc } from '@simple-shop/db';
import { testConfig, testDeps } from '@simple-shop/testing';
import { MongoClient, type CommandStartedEvent, type ReadPreferenceMode } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProductRepository } from './product-repository';
import { productDoc } from '../../products.test-support';

/**
 * MONGODB_CATALOG_READ_PREFERENCE reaches the shopper reads (cache misses) and nothing else: the read
 * preference each command was sent with is observed through the driver's command monitoring.
 */
let client: MongoClient;
let docs: ProductDoc[];
const sent: { name: string; mode: string }[] = [];

beforeAll(async () => {
  client = new MongoClient(testDeps().mongoUri, { monitorCommands: true });
  await client.connect();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    if (event.commandName !== 'find') return;
    const preference = event.command.$readPreference as { mode?: string } | undefined;
    sent.push({ name: event.commandName, mode: preference?.mode ?? 'primary' });
  });
  docs = [productDoc({ name: 'Pref one' }), productDoc({ name: 'Pref two' })];
  await collection().insertMany(docs);
});
afterAll(async () => {
  await client?.close();
});

function collection() {
  return client.db(testConfig().MONGODB_DB).collection<ProductDoc>('products');
}

async function modesOf(mode: ReadPreferenceMode | undefined, read: (repo: ProductRepository) => Promise<unknown>) {
  sent.length = 0;
  // What was sent is what counts: the offline stand-in refuses any mode but 'primary' (its single-node
  // replica set has no secondary to offer), where a real replica set answers from the chosen member.
  await read(new ProductRepository(collection(), mode)).catch((error: Error) => {
    if (!/readPreference/i.test(error.message)) throw error;
  });
  return sent.map((s) => s.mode);
}

describe('catalog read preference', () => {
  it('defaults to the primary', async () => {
    expect(await modesOf(undefined, (repo) => repo.findByIds(docs.map((d) => d._id)))).toEqual(['primary']);
    expect(testConfig().MONGODB_CATALOG_READ_PREFERENCE).toBe('primary');
  });

  it('cache-miss reads (products by id, list pages) use the configured preference', async () => {
    expect(await modesOf('secondaryPreferred', (repo) => repo.findByIds([docs[0]!._id]))).toEqual([
      'secondaryPreferred',
    ]);
    expect(await modesOf('secondaryPreferred', (repo) => repo.findByIds(docs.map((d) => d._id)))).toEqual([
      'secondaryPreferred',
    ]);
    expect(await modesOf('nearest', (repo) => repo.page({ sort: 'newest', limit: 5 }))).toEqual(['nearest']);
  });

  it('admin reads stay on the primary', async () => {
    expect(await modesOf('secondary', (repo) => repo.findById(docs[0]!._id))).toEqual(['primary']);
  });
});
