import { startRedisServer, type StartedRedisServer } from '@simple-shop/dev-services';
import { catalogKeys } from '@simple-shop/cache';
import { createRedis, type Redis } from '@simple-shop/queue';
import { testDeps } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertProducts, productDoc } from '../../products.test-support';
import { buildTestApp } from '../../app.test-support';

/**
 * Security finding: every distinct list query became a cached page (~64 KiB at limit=100) in the Redis that
 * BullMQ and the rate limits use, with `noeviction`. An anonymous client filled it in 200 requests; then
 * the limiters failed open (14 wrong passwords in a row, never a 429) and job enqueues failed.
 *
 * Here: a Redis of our own with about 4 MB of room, flooded with 160 distinct list variants of ~60 kB.
 */
let server: StartedRedisServer;
let admin: Redis;
let app: FastifyInstance;
const ROOM_BYTES = 4 * 1024 * 1024;

const memory = async () => {
  const info = await admin.info('memory');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1]);
  return { used: field('used_memory'), max: field('maxmemory') };
};

beforeAll(async () => {
  server = await startRedisServer();
  admin = createRedis(server.url, 'client', 'cache-flood-test');
  app = await buildTestApp({
    REDIS_URL: server.url,
    RATE_LIMIT_MAX: '100000',
    AUTH_RATE_LIMIT_MAX: '3',
    PRODUCT_CACHE_MAX_BYTES: String(1024 * 1024),
  });
  // Room for what the shop needs, far less than the flood would cache.
  await admin.config('SET', 'maxmemory', String((await memory()).used + ROOM_BYTES));
  await insertProducts(
    app.deps.database,
    Array.from({ length: 100 }, (_, i) => productDoc({ price: 500_000 + i, description: 'x'.repeat(400) })),
  );
}, 60_000);
afterAll(async () => {
  await app?.close();
  admin?.disconnect();
  await server?.stop();
});

describe('flooding the product cache with list variants', () => {
  it('cannot fill Redis: logins stay limited and jobs are still accepted', async () => {
    for (let i = 1; i <= 160; i += 1) {
      // Distinct filters, plus bounds that do not change the answer (normalised to one variant).
      const query = i % 4 === 0 ? `maxPrice=${1_000_000_000 + i}` : `minPrice=${i}`;
      const res = await app.inject({ method: 'GET', url: `/api/products?limit=100&${query}` });
      expect(res.statusCode, `request ${i}`).toBe(200);
      expect(res.json().items).toHaveLength(100);
    }
    const { used, max } = await memory();
    // The flood took at most the cache's budget: most of the room is still free for queues and limits.
    expect(max - used).toBeGreaterThan(ROOM_BYTES / 2);

    // The queue still takes jobs...
    const job = await app.deps.queues.emails.add('send', { outboxId: 'flood-test' }, { jobId: 'email.flood-test' });
    expect(job.id).toBe('email.flood-test');

    // ...and the login limit still answers 429 after AUTH_RATE_LIMIT_MAX failures.
    const codes: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'victim@example.com', password: 'wrong password' },
        remoteAddress: '10.66.0.1',
      });
      codes.push(res.statusCode);
    }
    expect(codes).toEqual([401, 401, 401, 429, 429]);
  }, 120_000);

  it('serves pages beyond the byte budget from MongoDB, uncached, and caches again within budget', async () => {
    const keys = await admin.keys('*:catalog}:page:*');
    const sizes = await Promise.all(keys.map((key) => admin.strlen(key)));
    const cachedBytes = sizes.reduce((a, b) => a + b, 0);
    expect(cachedBytes).toBeGreaterThan(0);
    expect(cachedBytes).toBeLessThanOrEqual(1024 * 1024);
    // Normalised: maxPrice above any price is the unfiltered page, so the 40 such requests made at most one key.
    expect(keys.length).toBeLessThan(20);
  });

  it('with CACHE_REDIS_URL, pages live in the cache Redis only', async () => {
    const separate = await buildTestApp({ REDIS_URL: testDeps().redisUrl, CACHE_REDIS_URL: server.url });
    try {
      await insertProducts(separate.deps.database, [productDoc()]);
      expect((await separate.inject({ method: 'GET', url: '/api/products?limit=7' })).statusCode).toBe(200);
      const prefix = separate.deps.config.REDIS_KEY_PREFIX;
      expect(await admin.keys(`${catalogKeys(prefix).pagePrefix}*`)).toHaveLength(1);
      expect(await separate.deps.redis.keys(`${catalogKeys(prefix).pagePrefix}*`)).toHaveLength(0);
    } finally {
      await separate.close();
    }
  });
});
