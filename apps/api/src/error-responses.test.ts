/**
 * Error answers no other test produces, each through the code that really answers it (the real app
 * where a request can reach it, the error handler or the service otherwise), asserting the code and
 * that nothing was written. error-codes.test.ts requires every code of the API to be asserted somewhere.
 */
import { ObjectId, type FailedWebhookDoc } from '@simple-shop/db';
import { startRedisServer, testConfig, waitFor } from '@simple-shop/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { bearer, buildTestApp } from './app.test-support';
import { parseObjectId } from './lib/cursor';
import errorHandler from './plugins/app/error-handler';
import { insertProducts, productDoc } from './products.test-support';
import { CartStore } from './services/cart/cart-store';
import { ProductRepository } from './services/catalog/product-repository';

let app: FastifyInstance;

beforeAll(async () => {
  // No Stripe configuration at all: payments and webhooks are off.
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
});

const customer = () => {
  const id = new ObjectId();
  return { id, headers: bearer(app, { sub: id.toHexString(), role: 'customer' }) };
};

describe('request-level refusals', () => {
  it('a malformed Idempotency-Key is 400 INVALID_IDEMPOTENCY_KEY and orders nothing', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 3, reserved: 0 })]);
    const buyer = customer();
    const res = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { ...buyer.headers, 'idempotency-key': 'has spaces!' },
      payload: { items: [{ productId: product!._id.toHexString(), quantity: 1 }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_IDEMPOTENCY_KEY');
    expect(await app.deps.database.collections.orders.countDocuments({ userId: buyer.id })).toBe(0);
    expect((await app.deps.database.collections.products.findOne({ _id: product!._id }))?.stock).toBe(3);
  });

  it('a body over BODY_LIMIT_BYTES is 413 PAYLOAD_TOO_LARGE; an XML body is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const buyer = customer();
    const big = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { ...buyer.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ items: [], pad: 'x'.repeat(app.deps.config.BODY_LIMIT_BYTES) }),
    });
    expect([big.statusCode, big.json().error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const text = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: { ...buyer.headers, 'content-type': 'application/xml' },
      payload: '<order><item>lamp</item></order>',
    });
    expect([text.statusCode, text.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await app.deps.database.collections.orders.countDocuments({ userId: buyer.id })).toBe(0);
  });

  it('parseObjectId refuses a malformed id with 400 INVALID_ID (routes refuse one earlier, in their schema)', async () => {
    expect(() => parseObjectId('not-an-id', 'orderId')).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'INVALID_ID', message: 'orderId is not a valid id' }),
    );
    expect(parseObjectId('0123456789abcdef01234567').toHexString()).toBe('0123456789abcdef01234567');
    // Through a route the schema answers first.
    const res = await app.inject({ method: 'GET', url: '/api/orders/not-an-id', headers: customer().headers });
    expect([res.statusCode, res.json().error.code]).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('errors of plugins that carry only a status get the code of that status', async () => {
    const bare = Fastify({ loggerInstance: pino({ level: 'silent' }) });
    await bare.register(errorHandler);
    bare.get('/fail/:status', async (request) => {
      const status = Number((request.params as { status: string }).status);
      throw Object.assign(new Error(`a plugin refused with ${status}`), { statusCode: status });
    });
    const codes: Record<string, unknown> = {};
    for (const status of [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429, 503, 500, 418]) {
      const res = await bare.inject({ method: 'GET', url: `/fail/${status}` });
      expect(res.statusCode).toBe(status);
      codes[status] = res.json().error.code;
    }
    expect(codes).toEqual({
      400: 'BAD_REQUEST',
      401: 'UNAUTHORIZED',
      403: 'FORBIDDEN',
      404: 'NOT_FOUND',
      405: 'METHOD_NOT_ALLOWED',
      406: 'NOT_ACCEPTABLE',
      409: 'CONFLICT',
      413: 'PAYLOAD_TOO_LARGE',
      415: 'UNSUPPORTED_MEDIA_TYPE',
      422: 'UNPROCESSABLE_ENTITY',
      429: 'RATE_LIMITED',
      503: 'SERVICE_UNAVAILABLE',
      500: 'INTERNAL_ERROR',
      418: 'BAD_REQUEST',
    });
    // A 5xx never shows the internal message.
    expect((await bare.inject({ method: 'GET', url: '/fail/503' })).json().error.message).toBe('Internal server error');
    await bare.close();
  });
});

describe('webhooks without configuration', () => {
  it('POST /api/payments/webhook is 503 WEBHOOKS_DISABLED when STRIPE_WEBHOOK_SECRET is unset; nothing recorded or queued', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/payments/webhook',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=abc' },
      payload: JSON.stringify({ id: 'evt_unconfigured', type: 'checkout.session.completed' }),
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error: { code: 'WEBHOOKS_DISABLED', message: 'Stripe webhooks are not configured on this server' },
    });
    expect(await app.deps.database.collections.webhookEvents.countDocuments({})).toBe(0);
    expect(await app.deps.queues.stripeEvents.queue.getJobCounts('waiting', 'delayed', 'active', 'paused')).toEqual({
      waiting: 0,
      delayed: 0,
      active: 0,
      paused: 0,
    });
  });
});

describe('cart limits and contention', () => {
  it('a 101st different product is 409 CART_FULL; the cart keeps its 100 lines and its version', async () => {
    const products = await insertProducts(
      app.deps.database,
      Array.from({ length: 101 }, (_, i) => productDoc({ name: `Shelf item ${i}`, stock: 5, reserved: 0, price: 100 })),
    );
    const buyer = customer();
    const lines = products.slice(0, 100).map((p) => ({ productId: p._id, quantity: 1, addedAt: new Date() }));
    await app.deps.database.collections.carts.insertOne({
      _id: buyer.id,
      items: lines,
      version: 7,
      updatedAt: new Date(),
    });

    const res = await app.inject({
      method: 'POST',
      url: '/api/cart/add',
      headers: buyer.headers,
      payload: { productId: products[100]!._id.toHexString(), quantity: 1 },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('CART_FULL');
    const cart = await app.deps.database.collections.carts.findOne({ _id: buyer.id });
    expect([cart?.items.length, cart?.version]).toEqual([100, 7]);
    // A product already in the cart can still be added to.
    const more = await app.inject({
      method: 'POST',
      url: '/api/cart/add',
      headers: buyer.headers,
      payload: { productId: products[0]!._id.toHexString(), quantity: 1 },
    });
    expect(more.statusCode, more.body).toBe(200);
  });

  it('a cart write that loses to another writer on every attempt gives up with 409 CART_CONFLICT and overwrites nothing', async () => {
    const carts = app.deps.database.collections.carts;
    const store = new CartStore(carts, app.deps.redis, app.deps.config.REDIS_KEY_PREFIX, pino({ level: 'silent' }));
    const userId = new ObjectId();
    const productId = new ObjectId();
    await carts.insertOne({ _id: userId, items: [], version: 1, updatedAt: new Date() });
    let attempts = 0;
    await expect(
      store.mutate(userId.toHexString(), async (cart) => {
        attempts += 1;
        // Another writer (a second tab) stores its own change between this read and this write.
        await carts.updateOne({ _id: userId }, { $inc: { version: 1 }, $set: { updatedAt: new Date() } });
        return [...cart.items, { productId: productId.toHexString(), quantity: 1, addedAt: new Date() }];
      }),
    ).rejects.toMatchObject({ statusCode: 409, code: 'CART_CONFLICT' });
    expect(attempts).toBe(25);
    const cart = await carts.findOne({ _id: userId });
    expect([cart?.items, cart?.version]).toEqual([[], 1 + attempts]);
  });
});

describe('product edits under contention', () => {
  it('a rename that loses to a concurrent rename on every attempt gives up with 409 CONCURRENT_UPDATE', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ name: 'Desk lamp', category: 'home' })]);
    const products = app.deps.database.collections.products;
    let edits = 0;
    // The real collection, with another admin's rename landing before each of this edit's writes.
    const contended = new Proxy(products, {
      get(target, prop, receiver) {
        if (prop === 'updateOne') {
          return async (...args: Parameters<typeof products.updateOne>) => {
            edits += 1;
            await target.updateOne({ _id: product!._id }, { $set: { name: `Desk lamp v${edits}` } });
            return target.updateOne(...args);
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const repository = new ProductRepository(contended);
    await expect(repository.update(product!._id, { name: 'Reading lamp' })).rejects.toMatchObject({
      statusCode: 409,
      code: 'CONCURRENT_UPDATE',
    });
    expect(edits).toBe(5);
    const stored = await products.findOne({ _id: product!._id });
    expect([stored?.name, stored?.searchTerms]).toEqual(['Desk lamp v5', product!.searchTerms]);
  });
});

describe('replaying a dead letter while Redis is down', () => {
  it('is 503 QUEUE_UNAVAILABLE with Retry-After; the claim is released so the admin can try again', async () => {
    const redis = await startRedisServer();
    const own = await buildApp({ config: testConfig({ REDIS_URL: redis.url }) });
    try {
      const eventId = `evt_redis_down_${new ObjectId().toHexString()}`;
      const failed: FailedWebhookDoc = {
        _id: new ObjectId(),
        eventId,
        type: 'checkout.session.completed',
        error: 'boom',
        attempts: [{ at: new Date(), error: 'boom' }],
        failedAt: new Date(),
      };
      await own.deps.database.collections.failedWebhooks.insertOne(failed);
      await own.deps.database.collections.webhookEvents.insertOne({
        _id: eventId,
        type: failed.type,
        payload: JSON.stringify({ id: eventId }),
        status: 'failed',
        attempts: 4,
        receivedAt: new Date(),
        expiresAt: new Date(Date.now() + 86_400_000),
      });
      await redis.stop();
      await waitFor(() => own.deps.redis.status !== 'ready', { timeoutMs: 10_000 });

      const res = await own.inject({
        method: 'POST',
        url: `/api/admin/failed-webhooks/${failed._id.toHexString()}/replay`,
        headers: bearer(own, { sub: new ObjectId().toHexString(), role: 'admin' }),
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toEqual({
        error: { code: 'QUEUE_UNAVAILABLE', message: 'Could not queue the replay; try again' },
      });
      const after = await own.deps.database.collections.failedWebhooks.findOne({ _id: failed._id });
      expect([after?.replayCount, after?.replayJobId, after?.resolvedAt]).toEqual([1, undefined, undefined]);
      // The event is failed again (not left for reconciliation to queue outside the replay).
      expect((await own.deps.database.collections.webhookEvents.findOne({ _id: eventId }))?.status).toBe('failed');
    } finally {
      await own.close();
      await redis.stop();
    }
  });
});
