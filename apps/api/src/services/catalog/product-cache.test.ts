import { Writable } from 'node:stream';
import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { loggerOptions } from '@simple-shop/observability';
import { startRedisServer, testConfig, testDeps, waitFor } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { CommandStartedEvent } from 'mongodb';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app';
import { bearer, buildTestApp } from '../../app.test-support';
import { ProductCache, catalogKeys } from './product-cache';
import { at, productDoc } from './catalog.test-support';

/** The test's URI with command monitoring switched on (the driver reads it from the URI). */
function monitoredUri(): string {
  const uri = new URL(testDeps().mongoUri);
  uri.searchParams.set('monitorCommands', 'true');
  return uri.toString();
}

const seedDocs = () => [
  productDoc({ name: 'Cached Teapot', category: 'tea', price: 2500, stock: 4, createdAt: at(1) }),
  productDoc({ name: 'Cached Teacup', category: 'tea', price: 900, stock: 40, createdAt: at(2) }),
  productDoc({ name: 'Hidden Tea', category: 'tea', price: 100, active: false, createdAt: at(3) }),
];

describe('cached reads make zero MongoDB commands', () => {
  let app: FastifyInstance;
  let docs: ProductDoc[];
  const commands: string[] = [];

  beforeAll(async () => {
    app = await buildTestApp({ MONGODB_URI: monitoredUri() });
    docs = seedDocs();
    await app.deps.database.collections.products.insertMany(docs);
    app.deps.database.client.on('commandStarted', (event: CommandStartedEvent) => commands.push(event.commandName));
  });
  afterAll(async () => {
    await app?.close();
  });

  async function countCommands(url: string): Promise<{ status: number; commands: string[] }> {
    commands.length = 0;
    const res = await app.inject({ method: 'GET', url });
    return { status: res.statusCode, commands: [...commands] };
  }

  it.each([
    ['detail', () => `/api/products/${docs[0]!._id.toHexString()}`],
    ['list page', () => '/api/products?category=tea&sort=price_asc'],
    ['search page', () => '/api/products/search?q=cached'],
    ['unknown id (cached as absent)', () => `/api/products/${new ObjectId('65a000000000000000000000').toHexString()}`],
    ['inactive product', () => `/api/products/${docs[2]!._id.toHexString()}`],
  ])('%s: the first read queries MongoDB, the next ones none', async (_label, url) => {
    const first = await countCommands(url());
    expect(first.commands.length).toBeGreaterThan(0); // proves the listener sees the app's commands
    for (let i = 0; i < 3; i += 1) {
      const cached = await countCommands(url());
      expect(cached.status).toBe(first.status);
      expect(cached.commands).toEqual([]);
    }
  });
});

describe('a read that raced a write never caches the old value', () => {
  it('the write-back is refused when the generation moved since the read began', async () => {
    const config = testConfig();
    const redis = new Redis(testDeps().redisUrl);
    try {
      const silent = { warn: () => undefined, info: () => undefined, debug: () => undefined };
      const cache = new ProductCache(redis, {
        keyPrefix: config.REDIS_KEY_PREFIX,
        ttlSeconds: 60,
        maxBytes: 1 << 20,
        log: silent,
      });
      await waitFor(() => redis.status === 'ready');
      const id = new ObjectId().toHexString();
      const keys = catalogKeys(config.REDIS_KEY_PREFIX);

      // Reader: misses, notes the generation, then (slowly) reads MongoDB...
      const miss = await cache.readProducts([id]);
      expect(miss.missing).toEqual([id]);
      // ...meanwhile a writer changes the product and invalidates...
      await cache.invalidate([id]);
      // ...and the reader's write-back of what it read before the write is refused.
      const stale = { product: { id, price: 1 }, deleted: false } as never;
      await cache.writeProducts(miss.generation, [[id, stale]]);
      expect(await redis.exists(keys.product(id))).toBe(0);
      const page = await cache.readPage('h');
      await cache.invalidate([]);
      await cache.writePage(page.generation, 'h', { items: [], nextCursor: null, limit: 1 });
      expect((await cache.readPage('h')).page).toBeNull();

      // Without a write in between, the write-back lands.
      const again = await cache.readProducts([id]);
      await cache.writeProducts(again.generation, [[id, stale]]);
      expect(await redis.exists(keys.product(id))).toBe(1);
    } finally {
      redis.disconnect();
    }
  });
});

describe('Redis outages', () => {
  it('with Redis stopped, detail, list and search answer 200 from MongoDB, admin writes work, no error logs', async () => {
    const server = await startRedisServer();
    const lines: { level: string; msg: string }[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = pino(loggerOptions({ service: 'api', level: 'debug' }), stream);
    const app = await buildApp({ config: testConfig({ REDIS_URL: server.url }), logger });
    try {
      const docs = seedDocs();
      await app.deps.database.collections.products.insertMany(docs);
      const id = docs[0]!._id.toHexString();
      const urls = [`/api/products/${id}`, '/api/products?category=tea', '/api/products/search?q=teapot'];
      const answers = async () =>
        Promise.all(
          urls.map(async (url) => {
            const res = await app.inject({ method: 'GET', url });
            return { status: res.statusCode, body: res.json() };
          }),
        );
      const warm = await answers();
      expect(warm.map((a) => a.status)).toEqual([200, 200, 200]);

      await server.stop();
      await waitFor(() => app.deps.redis.status !== 'ready');
      lines.length = 0;
      for (let i = 0; i < 10; i += 1) {
        const down = await answers();
        expect(down).toEqual(warm);
      }
      // An admin edit with Redis down is saved and shown (reads come from MongoDB).
      const admin = bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' });
      const put = await app.inject({
        method: 'PUT',
        url: `/api/admin/products/${id}`,
        headers: admin,
        payload: { price: 2222 },
      });
      expect(put.statusCode).toBe(200);
      const after = await answers();
      expect(after.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(after[0]!.body.price).toBe(2222);
      expect(after[1]!.body.items.find((p: { id: string }) => p.id === id).price).toBe(2222);
      expect(after[2]!.body.items[0].price).toBe(2222);

      // Logged once at warn, never at error, however many requests.
      expect(lines.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
      expect(lines.filter((l) => l.level === 'warn' && /cache unavailable/.test(l.msg)).map((l) => l.msg)).toEqual([
        'product cache unavailable: reading MongoDB until Redis answers',
      ]);
    } finally {
      await app.close();
      await server.stop();
    }
  });

  it('an invalidation that could not reach Redis is applied before the cache is used again', async () => {
    const app = await buildTestApp();
    try {
      const docs = seedDocs();
      await app.deps.database.collections.products.insertMany(docs);
      const id = docs[0]!._id.toHexString();
      const price = async () => (await app.inject({ method: 'GET', url: `/api/products/${id}` })).json().price;
      const listed = async () =>
        (await app.inject({ method: 'GET', url: '/api/products?category=tea&sort=price_desc' })).json().items[0].price;
      expect([await price(), await listed()]).toEqual([2500, 2500]);

      // Cut this app off from Redis (Redis itself keeps the cached copies, as in a network split).
      app.deps.redis.disconnect();
      await waitFor(() => app.deps.redis.status === 'end');
      const admin = bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' });
      const put = await app.inject({
        method: 'PUT',
        url: `/api/admin/products/${id}`,
        headers: admin,
        payload: { price: 3100 },
      });
      expect(put.statusCode).toBe(200);
      expect([await price(), await listed()]).toEqual([3100, 3100]); // from MongoDB meanwhile
      const observer = new Redis(testDeps().redisUrl);
      const stale = await observer.get(catalogKeys(app.deps.config.REDIS_KEY_PREFIX).product(id));
      observer.disconnect();
      expect(JSON.parse(stale!).product.price).toBe(2500); // the old copy is still in Redis

      await app.deps.redis.connect();
      await waitFor(() => app.deps.redis.status === 'ready');
      expect([await price(), await listed()]).toEqual([3100, 3100]);
      expect([await price(), await listed()]).toEqual([3100, 3100]);
    } finally {
      await app.close();
    }
  });

  it('logs a Redis outage once (warn), not once per request', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, lazyConnect: true });
    const log = { warn: [] as string[], info: [] as string[], debug: 0 };
    const cache = new ProductCache(redis, {
      keyPrefix: 'x',
      ttlSeconds: 60,
      maxBytes: 1 << 20,
      log: {
        warn: (_obj, msg) => log.warn.push(msg),
        info: (msg) => log.info.push(msg),
        debug: () => {
          log.debug += 1;
        },
      },
    });
    for (let i = 0; i < 25; i += 1) {
      expect((await cache.readProducts(['a'])).generation).toBeNull();
      expect((await cache.readPage('h')).page).toBeNull();
    }
    expect(log.warn).toHaveLength(1);
    expect(log.debug).toBe(49);
    redis.disconnect();
  });
});

describe('stock_remaining gauge', () => {
  it('exports the stock of active products from MongoDB, labelled by product id', async () => {
    const app = await buildTestApp();
    try {
      const docs = seedDocs();
      await app.deps.database.collections.products.insertMany(docs);
      const scrape = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
      const sample = (text: string, id: string) =>
        text.split('\n').find((line) => line.startsWith('stock_remaining{') && line.includes(`product_id="${id}"`));
      const text = await scrape();
      expect(text).toMatch(/# TYPE stock_remaining gauge/);
      expect(sample(text, docs[0]!._id.toHexString())).toMatch(/ 4$/);
      expect(sample(text, docs[1]!._id.toHexString())).toMatch(/ 40$/);
      expect(sample(text, docs[2]!._id.toHexString())).toBeUndefined(); // inactive
      // One reading serves scrapes for ~10 s: a change made now shows on a later scrape, not this one.
      await app.deps.database.collections.products.updateOne({ _id: docs[0]!._id }, { $inc: { stock: -1 } });
      expect(sample(await scrape(), docs[0]!._id.toHexString())).toMatch(/ 4$/);
    } finally {
      await app.close();
    }
  });
});
