import { catalogKeys } from '@simple-shop/cache';
import { startRedisCluster, type StartedRedisCluster } from '@simple-shop/dev-services';
import { bullPrefix, createRedis, waitForRedis, type Redis } from '@simple-shop/queue';
import { startStack, waitFor, type Stack } from '@simple-shop/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, insertProduct, orderWithSession, productState } from './pipeline.test-support';

/**
 * The product on a 3-master Redis Cluster started here (REDIS_CLUSTER_NODES): two API processes and
 * a worker run the real flows, and every multi-key operation (BullMQ's scripts, the catalog's MULTI
 * and scripts) must stay within one slot or the cluster refuses it with CROSSSLOT.
 */
let cluster: StartedRedisCluster;
let stack: Stack;
let redis: Redis;
const RATE_LIMIT_MAX = 60;

beforeAll(async () => {
  cluster = await startRedisCluster();
  // Only one seed node: the processes must discover the other masters themselves.
  stack = await startStack({
    apis: 2,
    env: {
      REDIS_CLUSTER_NODES: `127.0.0.1:${cluster.nodes[0]!.port}`,
      RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
      // Catalog reads have their own limit class, counted in the catalog's slot with the cache read.
      CATALOG_RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
    },
  });
  redis = createRedis({ kind: 'cluster', nodes: cluster.nodes, auth: {} }, 'client', 'cluster-test');
  expect(await waitForRedis(redis, 15_000)).toBe(true);
}, 120_000);

afterAll(async () => {
  await redis?.quit();
  await stack?.stop();
  await cluster?.stop();
});

const prefix = () => stack.env.REDIS_KEY_PREFIX;

describe('on a Redis Cluster', () => {
  it('the processes say which topology they use', async () => {
    await stack.apis[0]!.process.waitForLine(/Redis: cluster seeded from/, 5_000);
    await stack.workers[0]!.waitForLine(/Redis: cluster seeded from/, 5_000);
  });

  it('end to end: order → Checkout Session → signed webhook → paid → email queued and sent', async () => {
    const product = await insertProduct(stack, { stock: 4, price: 1200 });
    const { user, orderId, sessionId } = await orderWithSession(stack, product, 2);
    await stack.sim.pay(sessionId);
    await waitFor(
      async () => expect((await stack.database.collections.orders.findOne({ _id: orderId }))?.status).toBe('paid'),
      { timeoutMs: 20_000 },
    );
    // The sold units leave the product's reservations just after the payment's transaction.
    await waitFor(async () => expect(await productState(stack, product._id)).toEqual({ stock: 2, held: 0 }), {
      timeoutMs: 10_000,
    });
    await waitFor(async () => expect(stack.smtp.messages().filter((m) => m.to.includes(user.email))).toHaveLength(1), {
      timeoutMs: 15_000,
    });
    // The webhook job and the email job went through BullMQ on the cluster, under the tagged prefix.
    const counts = await Promise.all(
      ['stripe-events', 'emails'].map(async (name) => {
        const queue = new Queue(name, { connection: redis, prefix: bullPrefix(prefix()) });
        const jobCounts = await queue.getJobCounts('completed', 'failed');
        await queue.close();
        return jobCounts;
      }),
    );
    for (const jobCounts of counts) {
      expect(jobCounts.completed).toBeGreaterThanOrEqual(1);
      expect(jobCounts.failed).toBe(0);
    }
  });

  it('catalog reads are served from the cache on the cluster, and an admin edit invalidates them', async () => {
    const product = await insertProduct(stack, { price: 1000 });
    const id = product._id.toHexString();
    const admin = await stack.createUser('admin');
    const read = async () => (await api<{ price: number }>(stack, 'GET', `/api/products/${id}`, {})).body.price;

    expect(await read()).toBe(1000);
    expect(await redis.exists(catalogKeys(prefix()).product(id))).toBe(1);
    // Changed behind the API's back: a cache hit still answers the cached copy.
    await stack.database.collections.products.updateOne({ _id: product._id }, { $set: { price: 1111 } });
    expect(await read()).toBe(1000);
    // Pages are cached too (generation script), and served again from the cluster.
    const page = await api<{ items: unknown[] }>(stack, 'GET', '/api/products?limit=5', {});
    expect(page.status).toBe(200);

    // An edit through the API invalidates (MULTI over the generation and product keys, one slot).
    const edited = await api(stack, 'PUT', `/api/admin/products/${id}`, admin.headers, { price: 1500 });
    expect(edited.status).toBe(200);
    expect(await read()).toBe(1500);
  });

  it('the rate limit is one counter in the cluster, shared by both API processes', async () => {
    const hit = async (index: number) => {
      const res = await fetch(`${stack.apis[index % 2]!.url}/api/products?limit=1`);
      await res.arrayBuffer();
      return { status: res.status, remaining: Number(res.headers.get('x-ratelimit-remaining')) };
    };
    const first = await hit(0);
    const second = await hit(1);
    expect(first.status).toBe(200);
    expect(second.remaining).toBe(first.remaining - 1);
    for (let i = 0; i < second.remaining; i++) expect((await hit(i)).status).toBe(200);
    expect((await hit(0)).status).toBe(429);
    expect((await hit(1)).status).toBe(429);
  });
});
