import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { startRedisServer, testConfig, testDeps, waitFor } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../app';
import { cartKey } from '../../../services/cart/cart-store';
import { clearCart, getCart, readCart } from '../../../services/cart/cart-service';
import { productDoc } from '../../../services/catalog/catalog.test-support';
import { bearer, buildTestApp } from '../../../app.test-support';

function monitoredUri(): string {
  const uri = new URL(testDeps().mongoUri);
  uri.searchParams.set('monitorCommands', 'true');
  return uri.toString();
}

let app: FastifyInstance;
const commands: string[] = [];

const coffee = productDoc({ name: 'Coffee Beans', category: 'coffee', price: 1299, stock: 10 });
const tea = productDoc({ name: 'Tea Leaves', category: 'tea', price: 899, stock: 3 });
const hidden = productDoc({ name: 'Hidden Mug', category: 'mugs', price: 500, active: false });
const gone = productDoc({ name: 'Gone Spoon', category: 'spoons', price: 100, active: false, deletedAt: new Date() });
const euro = productDoc({ name: 'Euro Chocolate', category: 'sweets', price: 450, currency: 'eur', stock: 50 });
const soldOut = productDoc({ name: 'Sold Out Syrup', category: 'syrup', price: 700, stock: 0 });
const plenty = productDoc({ name: 'Plenty Sugar', category: 'sugar', price: 199, stock: 1000 });
const catalog = [coffee, tea, hidden, gone, euro, soldOut, plenty];
const hex = (doc: ProductDoc) => doc._id.toHexString();

/** A fresh user with a token (the auth routes are not needed: tokens are signed like theirs). */
function newUser(role: 'customer' | 'admin' = 'customer') {
  const id = new ObjectId().toHexString();
  return { id, headers: bearer(app, { sub: id, role }) };
}

async function call(
  user: { headers: Record<string, string> },
  method: 'GET' | 'POST',
  path: string,
  payload?: unknown,
) {
  const res = await app.inject({
    method,
    url: `/api/cart${path}`,
    headers: user.headers,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: res.json() };
}
const add = (user: { headers: Record<string, string> }, productId: string, quantity: unknown) =>
  call(user, 'POST', '/add', { productId, quantity });

const storedCart = (userId: string) => app.deps.database.collections.carts.findOne({ _id: new ObjectId(userId) });
const empty = { items: [], unavailableItems: [], subtotal: 0, currency: null };

beforeAll(async () => {
  app = await buildTestApp({ MONGODB_URI: monitoredUri() });
  await app.deps.database.collections.products.insertMany(catalog);
  app.deps.database.client.on('commandStarted', (event: CommandStartedEvent) => commands.push(event.commandName));
});
afterAll(async () => {
  await app?.close();
});

describe('cart routes: happy paths', () => {
  it('401 without a token on every route', async () => {
    for (const [method, path] of [
      ['GET', ''],
      ['POST', '/add'],
      ['POST', '/update'],
      ['POST', '/remove'],
      ['POST', '/clear'],
    ] as const) {
      const res = await app.inject({ method, url: `/api/cart${path}`, payload: method === 'POST' ? {} : undefined });
      expect(res.statusCode).toBe(401);
    }
  });

  it('a new user has an empty cart', async () => {
    expect(await call(newUser(), 'GET', '')).toEqual({ status: 200, body: empty });
  });

  it('add, add again (quantities add up), update, remove, clear — each answers the priced cart', async () => {
    const user = newUser();
    let res = await add(user, hex(coffee), 2);
    expect(res).toEqual({
      status: 200,
      body: {
        items: [{ productId: hex(coffee), name: 'Coffee Beans', quantity: 2, unitPrice: 1299, lineTotal: 2598 }],
        unavailableItems: [],
        subtotal: 2598,
        currency: 'usd',
      },
    });
    res = await add(user, hex(coffee), 3);
    expect(res.body.items[0]).toMatchObject({ quantity: 5, lineTotal: 6495 });
    res = await add(user, hex(tea), 1);
    expect(res.body.items.map((i: { name: string; quantity: number }) => [i.name, i.quantity])).toEqual([
      ['Coffee Beans', 5],
      ['Tea Leaves', 1],
    ]);
    expect(res.body.subtotal).toBe(5 * 1299 + 899);

    res = await call(user, 'POST', '/update', { productId: hex(coffee), quantity: 1 });
    expect(res.status).toBe(200);
    expect(res.body.items[0]).toMatchObject({ productId: hex(coffee), quantity: 1, lineTotal: 1299 });
    expect(res.body.subtotal).toBe(1299 + 899);

    res = await call(user, 'POST', '/remove', { productId: hex(coffee) });
    expect(res.body.items.map((i: { productId: string }) => i.productId)).toEqual([hex(tea)]);
    // Removing what is not there is not an error and changes nothing.
    const again = await call(user, 'POST', '/remove', { productId: hex(coffee) });
    expect(again).toEqual(res);

    expect(await call(user, 'GET', '')).toEqual(res);
    expect(await call(user, 'POST', '/clear')).toEqual({ status: 200, body: empty });
    expect(await call(user, 'GET', '')).toEqual({ status: 200, body: empty });
    expect((await storedCart(user.id))?.items).toEqual([]);
  });

  it('stores the cart in MongoDB (durable) with the user id as _id', async () => {
    const user = newUser();
    await add(user, hex(tea), 2);
    const doc = await storedCart(user.id);
    expect(doc).toMatchObject({ items: [{ productId: tea._id, quantity: 2 }], version: 1 });
    expect(doc?.items[0]?.addedAt).toBeInstanceOf(Date);
  });

  it('prices come from the current catalog, not from the time of adding', async () => {
    const product = productDoc({ name: 'Volatile Price', category: 'misc', price: 1000, stock: 5 });
    await app.deps.database.collections.products.insertOne(product);
    const user = newUser();
    await add(user, hex(product), 2);
    const admin = newUser('admin');
    const put = await app.inject({
      method: 'PUT',
      url: `/api/admin/products/${hex(product)}`,
      headers: admin.headers,
      payload: { price: 1250 },
    });
    expect(put.statusCode).toBe(200);
    const res = await call(user, 'GET', '');
    expect(res.body.items[0]).toMatchObject({ unitPrice: 1250, lineTotal: 2500 });
    expect(res.body.subtotal).toBe(2500);
  });

  it('a warm cart read is served from Redis: zero MongoDB commands', async () => {
    const user = newUser();
    await add(user, hex(coffee), 1);
    await add(user, hex(tea), 1);
    await call(user, 'GET', '');
    commands.length = 0;
    const res = await call(user, 'GET', '');
    expect(res.body.items).toHaveLength(2);
    expect(commands).toEqual([]);
  });
});

describe('cart rules', () => {
  it('unknown product 404; inactive or deleted product 409 PRODUCT_UNAVAILABLE; nothing written', async () => {
    const user = newUser();
    await add(user, hex(coffee), 1);
    const before = await storedCart(user.id);
    const unknown = await add(user, new ObjectId().toHexString(), 1);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    for (const product of [hidden, gone]) {
      const res = await add(user, hex(product), 1);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'PRODUCT_UNAVAILABLE', details: { productId: hex(product) } });
      const update = await call(user, 'POST', '/update', { productId: hex(product), quantity: 1 });
      expect(update.status).toBe(409);
    }
    expect(await storedCart(user.id)).toEqual(before);
  });

  it('409 INSUFFICIENT_STOCK with the available count, for add (counting what is in the cart) and update', async () => {
    const user = newUser();
    const over = await add(user, hex(tea), 4);
    expect(over.status).toBe(409);
    expect(over.body.error).toEqual({
      code: 'INSUFFICIENT_STOCK',
      message: expect.any(String),
      details: { productId: hex(tea), available: 3 },
    });
    expect(await storedCart(user.id)).toBeNull();
    expect((await add(user, hex(tea), 2)).status).toBe(200);
    const more = await add(user, hex(tea), 2); // 2 in the cart + 2 > 3
    expect(more.status).toBe(409);
    expect(more.body.error.details).toEqual({ productId: hex(tea), available: 3 });
    const update = await call(user, 'POST', '/update', { productId: hex(tea), quantity: 4 });
    expect(update.status).toBe(409);
    expect(update.body.error.details).toEqual({ productId: hex(tea), available: 3 });
    expect((await add(user, hex(soldOut), 1)).body.error.details).toEqual({ productId: hex(soldOut), available: 0 });
    expect((await call(user, 'GET', '')).body.items).toEqual([
      expect.objectContaining({ productId: hex(tea), quantity: 2 }),
    ]);
  });

  it.each([
    ['0', 0],
    ['100', 100],
    ['1.5', 1.5],
    ['"2" (a string)', '2'],
    ['-1', -1],
    ['null', null],
    ['missing', undefined],
  ])('400 for quantity %s on add and update; nothing written', async (_label, quantity) => {
    const user = newUser();
    await add(user, hex(plenty), 1);
    const before = await storedCart(user.id);
    const payload = quantity === undefined ? { productId: hex(plenty) } : { productId: hex(plenty), quantity };
    for (const path of ['/add', '/update']) {
      const res = await call(user, 'POST', path, payload);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    expect(await storedCart(user.id)).toEqual(before);
  });

  it('400 for a price (or any extra field) in the body, a malformed productId, or a non-object body', async () => {
    const user = newUser();
    for (const [path, payload] of [
      ['/add', { productId: hex(coffee), quantity: 1, price: 1 }],
      ['/add', { productId: hex(coffee), quantity: 1, unitPrice: 1 }],
      ['/update', { productId: hex(coffee), quantity: 1, price: 1 }],
      ['/remove', { productId: hex(coffee), quantity: 1 }],
      ['/add', { productId: 'nope', quantity: 1 }],
      ['/add', { productId: 12, quantity: 1 }],
      ['/add', [hex(coffee), 1]],
    ] as const) {
      const res = await call(user, 'POST', path, payload);
      expect(res.status, JSON.stringify(payload)).toBe(400);
    }
    expect(await storedCart(user.id)).toBeNull();
  });

  it('a line holds at most 99 units: adding past it is 400 QUANTITY_LIMIT', async () => {
    const user = newUser();
    expect((await add(user, hex(plenty), 99)).status).toBe(200);
    const res = await add(user, hex(plenty), 1);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'QUANTITY_LIMIT', details: { maxQuantity: 99, inCart: 99 } });
  });

  it('update of a product not in the cart is 404 NOT_IN_CART', async () => {
    const res = await call(newUser(), 'POST', '/update', { productId: hex(coffee), quantity: 1 });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_IN_CART');
  });

  it('a cart holds one currency: adding a product in another is 409 CURRENCY_MISMATCH', async () => {
    const user = newUser();
    await add(user, hex(coffee), 1);
    const res = await add(user, hex(euro), 1);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'CURRENCY_MISMATCH',
      details: { productId: hex(euro), cartCurrency: 'usd', productCurrency: 'eur' },
    });
    // Once emptied, the cart takes the new currency.
    await call(user, 'POST', '/clear');
    expect((await add(user, hex(euro), 1)).body.currency).toBe('eur');
  });

  it("one user never sees or changes another user's cart", async () => {
    const alice = newUser();
    const bob = newUser();
    await add(alice, hex(coffee), 2);
    const aliceCart = await call(alice, 'GET', '');
    expect(aliceCart.body.items).toHaveLength(1);
    expect(await call(bob, 'GET', '')).toEqual({ status: 200, body: empty });
    // Bob's writes touch only Bob's cart.
    await call(bob, 'POST', '/remove', { productId: hex(coffee) });
    await call(bob, 'POST', '/clear');
    expect((await call(bob, 'POST', '/update', { productId: hex(coffee), quantity: 5 })).status).toBe(404);
    await add(bob, hex(tea), 1);
    expect(await call(alice, 'GET', '')).toEqual(aliceCart);
    expect((await call(bob, 'GET', '')).body.items.map((i: { productId: string }) => i.productId)).toEqual([hex(tea)]);
    expect((await storedCart(alice.id))?.items).toHaveLength(1);
  });

  it('concurrent adds to one cart lose no update (versioned writes)', async () => {
    const user = newUser();
    const results = await Promise.all(Array.from({ length: 10 }, () => add(user, hex(plenty), 1)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect((await call(user, 'GET', '')).body.items[0].quantity).toBe(10);
    expect((await storedCart(user.id))?.items[0]?.quantity).toBe(10);
  });
});

describe('products that change after being added', () => {
  it('a deleted product moves to unavailableItems (not charged) and is dropped at the next change', async () => {
    const doomed = productDoc({ name: 'Doomed Kettle', category: 'misc', price: 3000, stock: 5 });
    await app.deps.database.collections.products.insertOne(doomed);
    const user = newUser();
    await add(user, hex(doomed), 1);
    await add(user, hex(coffee), 1);
    const admin = newUser('admin');
    const del = await app.inject({
      method: 'DELETE',
      url: `/api/admin/products/${hex(doomed)}`,
      headers: admin.headers,
    });
    expect(del.statusCode).toBe(204);
    const res = await call(user, 'GET', '');
    expect(res.body).toEqual({
      items: [expect.objectContaining({ productId: hex(coffee) })],
      unavailableItems: [{ productId: hex(doomed), name: 'Doomed Kettle', quantity: 1, reason: 'deleted' }],
      subtotal: 1299,
      currency: 'usd',
    });
    await add(user, hex(coffee), 1);
    expect((await storedCart(user.id))?.items.map((i) => i.productId.toHexString())).toEqual([hex(coffee)]);
    expect((await call(user, 'GET', '')).body.unavailableItems).toEqual([]);
  });

  it('a deactivated product is shown as unavailable (inactive) and kept; it comes back when reactivated', async () => {
    const paused = productDoc({ name: 'Paused Grinder', category: 'misc', price: 4000, stock: 5 });
    await app.deps.database.collections.products.insertOne(paused);
    const user = newUser();
    const admin = newUser('admin');
    await add(user, hex(paused), 1);
    const setActive = (active: boolean) =>
      app.inject({
        method: 'PUT',
        url: `/api/admin/products/${hex(paused)}`,
        headers: admin.headers,
        payload: { active },
      });
    await setActive(false);
    await add(user, hex(coffee), 1); // a change does not drop an inactive line
    const res = await call(user, 'GET', '');
    expect(res.body.unavailableItems).toEqual([
      { productId: hex(paused), name: 'Paused Grinder', quantity: 1, reason: 'inactive' },
    ]);
    expect(res.body.subtotal).toBe(1299);
    await setActive(true);
    expect((await call(user, 'GET', '')).body.subtotal).toBe(1299 + 4000);
  });
});

describe('durability: carts survive Redis losing its data', () => {
  /** FLUSHALL for this app's keyspace: the shared test Redis also serves other test files. */
  async function flushAppKeys(redisUrl: string, prefix: string): Promise<number> {
    const redis = new Redis(redisUrl);
    try {
      let deleted = 0;
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) deleted += await redis.del(...keys);
      } while (cursor !== '0');
      return deleted;
    } finally {
      redis.disconnect();
    }
  }

  it('after every key of this app is deleted from Redis, carts come back intact from MongoDB', async () => {
    const user = newUser();
    await add(user, hex(coffee), 3);
    await add(user, hex(tea), 1);
    const before = await call(user, 'GET', '');
    const key = cartKey(app.deps.config.REDIS_KEY_PREFIX, user.id);
    expect(await app.deps.redis.exists(key)).toBe(1);

    expect(await flushAppKeys(testDeps().redisUrl, app.deps.config.REDIS_KEY_PREFIX)).toBeGreaterThan(0);
    expect(await app.deps.redis.exists(key)).toBe(0);
    expect(await call(user, 'GET', '')).toEqual(before);
    expect(await app.deps.redis.exists(key)).toBe(1); // repopulated
    // And writes continue from the durable copy.
    expect((await add(user, hex(coffee), 1)).body.items[0].quantity).toBe(4);
  });

  it('on a dedicated Redis: FLUSHALL, and a stop, lose no cart; carts work while Redis is down', async () => {
    const server = await startRedisServer();
    const own = await buildApp({ config: testConfig({ REDIS_URL: server.url }) });
    let restarted: Awaited<ReturnType<typeof startRedisServer>> | undefined;
    try {
      await own.deps.database.collections.products.insertMany(catalog.map((doc) => ({ ...doc })));
      const id = new ObjectId().toHexString();
      const headers = bearer(own, { sub: id, role: 'customer' });
      const ownCall = async (method: 'GET' | 'POST', path: string, payload?: Record<string, unknown>) => {
        const res = await own.inject({ method, url: `/api/cart${path}`, headers, ...(payload ? { payload } : {}) });
        return { status: res.statusCode, body: res.json() };
      };
      await ownCall('POST', '/add', { productId: hex(coffee), quantity: 2 });
      await ownCall('POST', '/add', { productId: hex(plenty), quantity: 5 });
      const before = await ownCall('GET', '');
      expect(before.body.subtotal).toBe(2 * 1299 + 5 * 199);

      const admin = new Redis(server.url);
      expect(await admin.flushall()).toBe('OK');
      expect(await admin.dbsize()).toBe(0);
      admin.disconnect();
      expect(await ownCall('GET', '')).toEqual(before);

      // Redis stopped: reads and writes go to MongoDB alone.
      await server.stop();
      await waitFor(() => own.deps.redis.status !== 'ready');
      expect(await ownCall('GET', '')).toEqual(before);
      const changed = await ownCall('POST', '/update', { productId: hex(plenty), quantity: 1 });
      expect(changed.status).toBe(200);
      expect(changed.body.subtotal).toBe(2 * 1299 + 199);

      // Redis back, empty (no persistence): the cart is whole, including the change made meanwhile.
      restarted = await startRedisServer({ port: server.port });
      await waitFor(() => own.deps.redis.status === 'ready', { timeoutMs: 10_000 });
      expect(await ownCall('GET', '')).toEqual(changed);
    } finally {
      await own.close();
      await restarted?.stop();
      await server.stop();
    }
  });
});

describe('functions for the orders code', () => {
  it('readCart reads MongoDB; clearCart empties MongoDB and Redis, and honours ifVersion', async () => {
    const user = newUser();
    await add(user, hex(coffee), 1);
    await add(user, hex(tea), 2);
    const stored = await readCart(app.deps, user.id);
    expect(stored).toMatchObject({
      userId: user.id,
      version: 2,
      items: [
        { productId: hex(coffee), quantity: 1 },
        { productId: hex(tea), quantity: 2 },
      ],
    });
    expect((await getCart(app.deps, user.id)).subtotal).toBe(1299 + 2 * 899);

    // The user changed the cart after the order was built: a guarded clear leaves it alone.
    await add(user, hex(plenty), 1);
    expect(await clearCart(app.deps, user.id, { ifVersion: stored.version })).toBe(false);
    expect((await call(user, 'GET', '')).body.items).toHaveLength(3);

    const current = await readCart(app.deps, user.id);
    expect(await clearCart(app.deps, user.id, { ifVersion: current.version })).toBe(true);
    expect(await call(user, 'GET', '')).toEqual({ status: 200, body: empty }); // Redis copy replaced too
    expect((await storedCart(user.id))?.items).toEqual([]);
    expect(await clearCart(app.deps, user.id)).toBe(true);
  });
});
