import { ObjectId } from '@simple-shop/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogKeys, invalidateProducts } from '../../../services/catalog/product-cache';
import { searchTermsFor } from '@simple-shop/domain';
import { bearer, buildTestApp } from '../../../app.test-support';

let app: FastifyInstance;
let admin: { authorization: string };
let customer: { authorization: string };

beforeAll(async () => {
  app = await buildTestApp();
  admin = bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' });
  customer = bearer(app, { sub: new ObjectId().toHexString(), role: 'customer' });
});
afterAll(async () => {
  await app?.close();
});

const valid = {
  name: 'Trail Running Shoe',
  description: 'Light and grippy.',
  category: 'sports',
  price: 8999,
  currency: 'usd',
  stock: 12,
  images: ['https://img.example.com/shoe-1.jpg', 'http://img.example.com/shoe-2.jpg'],
  attributes: { color: 'blue', size: '42' },
};

async function create(payload: Record<string, unknown> = valid) {
  const res = await app.inject({ method: 'POST', url: '/api/admin/products', headers: admin, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; price: number; stock: number; name: string };
}

const products = () => app.deps.database.collections.products;

describe('admin product routes: access', () => {
  it('401 without a token, 403 for a customer, on every write route; nothing written', async () => {
    const id = new ObjectId().toHexString();
    const before = await products().countDocuments();
    for (const [method, url] of [
      ['POST', '/api/admin/products'],
      ['PUT', `/api/admin/products/${id}`],
      ['DELETE', `/api/admin/products/${id}`],
    ] as const) {
      const anonymous = await app.inject({ method, url, payload: valid });
      expect(anonymous.statusCode).toBe(401);
      const res = await app.inject({
        method,
        url,
        headers: customer,
        payload: method === 'DELETE' ? undefined : valid,
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect(await products().countDocuments()).toBe(before);
  });
});

describe('POST /api/admin/products', () => {
  it('creates a product: 201 with the DTO, stored with searchTerms and timestamps, visible to shoppers', async () => {
    const created = await create();
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      ...valid,
      active: true,
      onHand: valid.stock,
      reserved: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const doc = await products().findOne({ _id: new ObjectId(created.id) });
    expect(doc?.searchTerms).toEqual(['trail', 'running', 'shoe', 'sports']);
    expect(doc?.createdAt).toBeInstanceOf(Date);
    const res = await app.inject({ method: 'GET', url: `/api/products/${created.id}` });
    const { onHand: _onHand, reserved: _reserved, ...shopperView } = created as typeof created & { onHand: number; reserved: number };
    expect(res.json()).toEqual(shopperView);
    const search = await app.inject({ method: 'GET', url: '/api/products/search?q=runn' });
    expect(search.json().items.map((p: { id: string }) => p.id)).toContain(created.id);
  });

  it('applies defaults (description "", active true, no images, no attributes) and trims the name', async () => {
    const created = await create({ name: '  Plain Mug ', category: 'kitchen', price: 0, currency: 'eur', stock: 0 });
    expect(created).toMatchObject({
      name: 'Plain Mug',
      description: '',
      active: true,
      images: [],
      attributes: {},
      price: 0,
      currency: 'eur',
    });
  });

  const long = (n: number) => 'x'.repeat(n);
  it.each([
    ['price -1', { price: -1 }],
    ['price 1.5', { price: 1.5 }],
    ['price "10"', { price: '10' }],
    ['price null', { price: null }],
    ['price above the maximum', { price: 1_000_000_001 }],
    ['stock -1', { stock: -1 }],
    ['stock 2.5', { stock: 2.5 }],
    ['stock "3"', { stock: '3' }],
    ["currency 'xyz'", { currency: 'xyz' }],
    ["currency 'USD' (upper case is rejected, not normalised)", { currency: 'USD' }],
    ["currency 'us'", { currency: 'us' }],
    ['empty name', { name: '' }],
    ['blank name', { name: '   ' }],
    ['name of 201 characters', { name: long(201) }],
    ['description of 5001 characters', { description: long(5001) }],
    ['upper-case category', { category: 'Sports' }],
    ['category with spaces', { category: 'outdoor gear' }],
    ['category of 65 characters', { category: long(65) }],
    ['21 images', { images: Array.from({ length: 21 }, (_, i) => `https://img.example.com/${i}.jpg`) }],
    ['a non-http image URL', { images: ['ftp://img.example.com/a.jpg'] }],
    ['a javascript: image URL', { images: ['javascript:alert(1)'] }],
    ['a relative image URL', { images: ['/img/a.jpg'] }],
    ['an image URL over 2048 characters', { images: [`https://img.example.com/${long(2040)}`] }],
    ['51 attributes', { attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }],
    ['an attribute key of 65 characters', { attributes: { [long(65)]: 'v' } }],
    ['an attribute value of 501 characters', { attributes: { k: long(501) } }],
    ['an attribute key with a dot', { attributes: { 'a.b': 'v' } }],
    ['an attribute key starting with $', { attributes: { $where: 'v' } }],
    ['a non-string attribute value', { attributes: { k: 1 } }],
    ['an unknown field', { sku: 'ABC' }],
    ['an internal field', { searchTerms: ['x'] }],
    ['a missing required field', { price: undefined }],
  ])('400 and nothing written for %s', async (_label, change) => {
    const before = await products().countDocuments();
    const payload = { ...valid, ...change } as Record<string, unknown>;
    for (const [key, value] of Object.entries(payload)) if (value === undefined) delete payload[key];
    const res = await app.inject({ method: 'POST', url: '/api/admin/products', headers: admin, payload });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION_ERROR');
    expect(await products().countDocuments()).toBe(before);
  });
});

describe('PUT /api/admin/products/:id', () => {
  it('changes only the fields sent and keeps searchTerms in step with name and category', async () => {
    const created = await create({ ...valid, name: 'Camping Lantern', category: 'outdoor' });
    const res = await app.inject({
      method: 'PUT',
      url: `/api/admin/products/${created.id}`,
      headers: admin,
      payload: { name: 'Solar Lamp', stock: 3 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: created.id,
      name: 'Solar Lamp',
      stock: 3,
      price: valid.price,
      category: 'outdoor',
    });
    expect(res.json().updatedAt >= res.json().createdAt).toBe(true);
    const doc = await products().findOne({ _id: new ObjectId(created.id) });
    expect(doc?.searchTerms).toEqual(['solar', 'lamp', 'outdoor']);
    const search = async (q: string) =>
      (await app.inject({ method: 'GET', url: `/api/products/search?q=${q}` }))
        .json()
        .items.map((p: { id: string }) => p.id);
    expect(await search('solar')).toEqual([created.id]);
    expect(await search('lantern')).toEqual([]);
    await app.inject({
      method: 'PUT',
      url: `/api/admin/products/${created.id}`,
      headers: admin,
      payload: { category: 'garden' },
    });
    expect((await products().findOne({ _id: new ObjectId(created.id) }))?.searchTerms).toEqual([
      'solar',
      'lamp',
      'garden',
    ]);
  });

  it('concurrent edits of name and category leave searchTerms matching the stored name and category', async () => {
    const created = await create({ ...valid, name: 'Race Start', category: 'racing' });
    const put = (payload: Record<string, unknown>) =>
      app.inject({ method: 'PUT', url: `/api/admin/products/${created.id}`, headers: admin, payload });
    const results = await Promise.all([
      put({ name: 'Alpha One' }),
      put({ category: 'beta' }),
      put({ name: 'Gamma Two' }),
      put({ category: 'delta' }),
      put({ price: 1 }),
    ]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const doc = await products().findOne({ _id: new ObjectId(created.id) });
    expect(doc?.searchTerms).toEqual(searchTermsFor(doc!.name, doc!.category));
    expect(doc?.price).toBe(1);
  });

  it('400 for an empty body, bad fields or a malformed id; 404 for an unknown id; nothing written', async () => {
    const created = await create();
    const before = await products().findOne({ _id: new ObjectId(created.id) });
    for (const payload of [{}, { price: -5 }, { price: '1' }, { currency: 'USD' }, { active: 'yes' }, { extra: 1 }]) {
      const res = await app.inject({
        method: 'PUT',
        url: `/api/admin/products/${created.id}`,
        headers: admin,
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect(await products().findOne({ _id: new ObjectId(created.id) })).toEqual(before);
    const malformed = await app.inject({
      method: 'PUT',
      url: '/api/admin/products/nope',
      headers: admin,
      payload: { price: 1 },
    });
    expect(malformed.statusCode).toBe(400);
    const unknown = await app.inject({
      method: 'PUT',
      url: `/api/admin/products/${new ObjectId().toHexString()}`,
      headers: admin,
      payload: { price: 1 },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
  });
});

describe('DELETE /api/admin/products/:id (soft delete)', () => {
  it('204; hidden from detail, list and search; document kept with deletedAt and active:false', async () => {
    const created = await create({ ...valid, name: 'Vanishing Cream', category: 'beauty' });
    // Warm every cache first, so the test shows deletion reaches cached reads.
    expect((await app.inject({ method: 'GET', url: `/api/products/${created.id}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/products?category=beauty' })).json().items).toHaveLength(1);
    const res = await app.inject({ method: 'DELETE', url: `/api/admin/products/${created.id}`, headers: admin });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await app.inject({ method: 'GET', url: `/api/products/${created.id}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/products?category=beauty' })).json().items).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/products/search?q=vanishing' })).json().items).toEqual([]);
    const doc = await products().findOne({ _id: new ObjectId(created.id) });
    expect(doc).toMatchObject({ active: false, name: 'Vanishing Cream' });
    expect(doc?.deletedAt).toBeInstanceOf(Date);

    // Deleting again changes nothing; a deleted product can not be edited or revived.
    expect(
      (await app.inject({ method: 'DELETE', url: `/api/admin/products/${created.id}`, headers: admin })).statusCode,
    ).toBe(204);
    const revive = await app.inject({
      method: 'PUT',
      url: `/api/admin/products/${created.id}`,
      headers: admin,
      payload: { active: true },
    });
    expect(revive.statusCode).toBe(404);
    expect((await products().findOne({ _id: new ObjectId(created.id) }))?.active).toBe(false);
  });

  it('404 for an unknown id, 400 for a malformed one', async () => {
    const unknown = await app.inject({
      method: 'DELETE',
      url: `/api/admin/products/${new ObjectId().toHexString()}`,
      headers: admin,
    });
    expect(unknown.statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: '/api/admin/products/123', headers: admin })).statusCode).toBe(
      400,
    );
  });
});

describe('cache freshness after writes', () => {
  it('after an admin price update, the very next detail, list and search reads show the new price', async () => {
    const created = await create({ ...valid, name: 'Fresh Kettle', category: 'kettles', price: 5000 });
    const keys = catalogKeys(app.deps.config.REDIS_KEY_PREFIX);
    const read = async () => ({
      detail: (await app.inject({ method: 'GET', url: `/api/products/${created.id}` })).json().price,
      list: (await app.inject({ method: 'GET', url: '/api/products?category=kettles' })).json().items[0].price,
      search: (await app.inject({ method: 'GET', url: '/api/products/search?q=kettle' })).json().items[0].price,
    });
    expect(await read()).toEqual({ detail: 5000, list: 5000, search: 5000 });
    // The reads above were cached (so the next ones would be served from Redis if not invalidated).
    expect(await app.deps.redis.exists(keys.product(created.id))).toBe(1);
    expect(await read()).toEqual({ detail: 5000, list: 5000, search: 5000 });

    const res = await app.inject({
      method: 'PUT',
      url: `/api/admin/products/${created.id}`,
      headers: admin,
      payload: { price: 4250, stock: 1 },
    });
    expect(res.statusCode).toBe(200);
    expect(await read()).toEqual({ detail: 4250, list: 4250, search: 4250 });
    const detail = (await app.inject({ method: 'GET', url: `/api/products/${created.id}` })).json();
    expect(detail.stock).toBe(1);
  });

  it('deactivating hides a cached product at once; reactivating shows it again', async () => {
    const created = await create({ ...valid, name: 'Blinking Light', category: 'lights' });
    expect((await app.inject({ method: 'GET', url: `/api/products/${created.id}` })).statusCode).toBe(200);
    const put = (active: boolean) =>
      app.inject({ method: 'PUT', url: `/api/admin/products/${created.id}`, headers: admin, payload: { active } });
    expect((await put(false)).json().active).toBe(false);
    expect((await app.inject({ method: 'GET', url: `/api/products/${created.id}` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/api/products?category=lights' })).json().items).toEqual([]);
    await put(true);
    expect((await app.inject({ method: 'GET', url: `/api/products/${created.id}` })).statusCode).toBe(200);
  });

  it('invalidateProducts (for orders) makes a stock change made directly in MongoDB visible', async () => {
    const created = await create({ ...valid, name: 'Held Item', category: 'holds', stock: 10 });
    const stock = async () => (await app.inject({ method: 'GET', url: `/api/products/${created.id}` })).json().stock;
    const listStock = async () =>
      (await app.inject({ method: 'GET', url: '/api/products?category=holds' })).json().items[0].stock;
    expect([await stock(), await listStock()]).toEqual([10, 10]);
    // An order holds 4 units the way orders do: a guarded $inc on the document.
    const held = await products().updateOne(
      { _id: new ObjectId(created.id), stock: { $gte: 4 } },
      { $inc: { stock: -4 } },
    );
    expect(held.modifiedCount).toBe(1);
    // Without invalidation the cached copies still say 10 (this is what the call is for).
    expect([await stock(), await listStock()]).toEqual([10, 10]);
    await expect(invalidateProducts(app.deps.redis, app.deps.config.REDIS_KEY_PREFIX, [created.id])).resolves.toBe(
      true,
    );
    expect([await stock(), await listStock()]).toEqual([6, 6]);
  });
});

describe('admin stock: audited deltas that never erase reservations', () => {
  const customerOrder = async (productId: string, quantity: number) => {
    const shopper = bearer(app, { sub: new ObjectId().toHexString(), role: 'customer' });
    const res = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: shopper,
      payload: { items: [{ productId, quantity }] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return { id: res.json().id as string, shopper };
  };
  const shopperStock = async (id: string) => (await app.inject({ method: 'GET', url: `/api/products/${id}` })).json().stock;

  it('PUT stock while shoppers hold units keeps their reservation: after their cancel the count is right', async () => {
    const created = await create({ ...valid, name: 'Counted Lamp', stock: 10 });
    const order = await customerOrder(created.id, 3);
    expect(await shopperStock(created.id)).toBe(7);
    // A recount finds the 10 units still on the shelf (3 of them set aside for the unpaid order).
    const put = await app.inject({ method: 'PUT', url: `/api/admin/products/${created.id}`, headers: admin, payload: { stock: 10 } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ stock: 7, onHand: 10, reserved: 3 });
    const cancel = await app.inject({ method: 'POST', url: `/api/orders/${order.id}/cancel`, headers: order.shopper });
    expect(cancel.json().status).toBe('cancelled');
    // Before: `$set: {stock: 10}` made the 3 held units count twice, and 13 were offered for sale.
    expect(await shopperStock(created.id)).toBe(10);
  });

  it('POST stock: on hand with a stale expected count is 409, a delta below reserved is 409, both write nothing', async () => {
    const created = await create({ ...valid, name: 'Audited Lamp', stock: 5 });
    await customerOrder(created.id, 4);
    const url = `/api/admin/products/${created.id}/stock`;
    const stale = await app.inject({ method: 'POST', url, headers: admin, payload: { onHand: 9, expectedOnHand: 4, reason: 'recount' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('STALE_STOCK');
    const tooMuch = await app.inject({ method: 'POST', url, headers: admin, payload: { delta: -2, reason: 'damaged' } });
    expect(tooMuch.statusCode).toBe(409);
    expect(tooMuch.json().error.code).toBe('STOCK_RESERVED');
    const both = await app.inject({ method: 'POST', url, headers: admin, payload: { onHand: 3, delta: 1, reason: 'x' } });
    expect(both.statusCode).toBe(400);
    const noReason = await app.inject({ method: 'POST', url, headers: admin, payload: { delta: 1 } });
    expect(noReason.statusCode).toBe(400);
    expect(await shopperStock(created.id)).toBe(1);

    const ok = await app.inject({ method: 'POST', url, headers: admin, payload: { onHand: 8, expectedOnHand: 5, reason: 'delivery' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ onHand: 8, reserved: 4, available: 4 });
    expect(ok.json().adjustments.map((a: { delta: number; status: string; reason: string }) => [a.delta, a.status, a.reason])).toEqual([
      [3, 'applied', 'delivery'],
      [-2, 'rejected', 'damaged'],
    ]);
    expect(await shopperStock(created.id)).toBe(4);
    const customerTry = await app.inject({ method: 'POST', url, headers: customer, payload: { delta: 1, reason: 'x' } });
    expect(customerTry.statusCode).toBe(403);
  });
});
