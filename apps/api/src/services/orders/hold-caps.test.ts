import { ObjectId } from '@simple-shop/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertProducts, productDoc, stockOf } from '../../products.test-support';
import { bearer, buildTestApp } from '../../app.test-support';

/**
 * Security finding: one customer could reserve a product's whole stock with unpaid orders (one order took
 * a product from 228 to 0), for an hour, again and again. Caps here: 2 open orders, 5 units per product.
 */
let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp({ ORDER_MAX_OPEN_PER_USER: '2', ORDER_MAX_UNITS_PER_PRODUCT: '5' });
});
afterAll(async () => {
  await app?.close();
});

const customer = () => bearer(app, { sub: new ObjectId().toHexString(), role: 'customer' });
const order = (headers: Record<string, string>, items: { productId: string; quantity: number }[]) =>
  app.inject({ method: 'POST', url: '/api/orders', headers, payload: { items } });

describe('stock hoarding caps', () => {
  it('units per product per customer: one order cannot take the whole stock; other customers still can buy', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 228 })]);
    const productId = product!._id.toHexString();
    const hoarder = customer();

    const whole = await order(hoarder, [{ productId, quantity: 99 }]);
    expect(whole.statusCode).toBe(409);
    expect(whole.json().error).toMatchObject({
      code: 'HOLD_LIMIT_REACHED',
      details: { items: [{ productId, requested: 99, held: 0, max: 5 }] },
    });
    expect(await stockOf(app.deps.database, product!._id)).toEqual({ stock: 228, held: 0 });

    expect((await order(hoarder, [{ productId, quantity: 3 }])).statusCode).toBe(201);
    // The cap counts what the customer already holds in unpaid orders, and lines of one request together.
    const more = await order(hoarder, [
      { productId, quantity: 2 },
      { productId, quantity: 1 },
    ]);
    expect(more.statusCode).toBe(409);
    expect(more.json().error.details.items).toEqual([{ productId, requested: 3, held: 3, max: 5 }]);
    expect((await order(hoarder, [{ productId, quantity: 2 }])).statusCode).toBe(201);
    expect((await order(customer(), [{ productId, quantity: 5 }])).statusCode).toBe(201);
    expect(await stockOf(app.deps.database, product!._id)).toEqual({ stock: 218, held: 10 });
  });

  it('open unpaid orders per customer: the third is 429 until one is cancelled', async () => {
    const [a, b, c] = await insertProducts(app.deps.database, [productDoc(), productDoc(), productDoc()]);
    const hoarder = customer();
    const first = await order(hoarder, [{ productId: a!._id.toHexString(), quantity: 1 }]);
    expect(first.statusCode).toBe(201);
    expect((await order(hoarder, [{ productId: b!._id.toHexString(), quantity: 1 }])).statusCode).toBe(201);

    const third = await order(hoarder, [{ productId: c!._id.toHexString(), quantity: 1 }]);
    expect(third.statusCode).toBe(429);
    expect(third.json()).toEqual({
      error: { code: 'TOO_MANY_OPEN_ORDERS', message: expect.any(String), details: { openOrders: 2, max: 2 } },
    });
    expect(await stockOf(app.deps.database, c!._id)).toMatchObject({ held: 0 });

    const cancel = await app.inject({ method: 'POST', url: `/api/orders/${first.json().id}/cancel`, headers: hoarder });
    expect(cancel.statusCode).toBe(200);
    expect((await order(hoarder, [{ productId: c!._id.toHexString(), quantity: 1 }])).statusCode).toBe(201);
  });

  it("holds last 30 minutes by default (Stripe's shortest Checkout Session)", async () => {
    expect(app.deps.config.CHECKOUT_SESSION_TTL_SECONDS).toBe(1800);
    const [product] = await insertProducts(app.deps.database, [productDoc()]);
    const created = await order(customer(), [{ productId: product!._id.toHexString(), quantity: 1 }]);
    const doc = await app.deps.database.collections.orders.findOne({ _id: new ObjectId(created.json().id as string) });
    expect(doc!.expiresAt.getTime() - doc!.createdAt.getTime()).toBe(1800 * 1000);
  });

  it('the open-orders query is served by an index on (userId, status)', async () => {
    const indexes = await app.deps.database.collections.orders.indexes();
    expect(indexes.map((index) => index.key)).toContainEqual({ userId: 1, status: 1 });
  });
});
