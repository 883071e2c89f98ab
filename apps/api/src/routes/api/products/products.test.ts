import { ObjectId, type ProductDoc } from '@simple-shop/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../services/catalog/cursor';
import { at, productDoc } from '../../../services/catalog/catalog.test-support';
import { bearer, buildTestApp } from '../../../app.test-support';

let app: FastifyInstance;

// A small fixed catalog; ids are created in this order, so ascending _id = p1 < p2 < ... .
const p1 = productDoc({ name: 'Red Apple', category: 'fruit', price: 100, stock: 10, createdAt: at(1) });
const p2 = productDoc({ name: 'Green Apple', category: 'fruit', price: 200, stock: 0, createdAt: at(2) });
const p3 = productDoc({ name: 'Banana Bunch', category: 'fruit', price: 150, stock: 5, createdAt: at(3) });
const p4 = productDoc({ name: 'Apple Pie', category: 'bakery', price: 450, stock: 3, createdAt: at(4) });
const p5 = productDoc({ name: 'Sourdough Bread', category: 'bakery', price: 450, stock: 0, createdAt: at(5) });
const p6 = productDoc({ name: 'Wireless Mouse', category: 'electronics', price: 2599, stock: 7, createdAt: at(6) });
const p7 = productDoc({ name: 'USB-C Cable (2m)', category: 'electronics', price: 999, stock: 100, createdAt: at(6) });
const p8 = productDoc({
  name: 'Inactive Apple Gadget',
  category: 'electronics',
  price: 500,
  active: false,
  createdAt: at(7),
});
const p9 = productDoc({
  name: 'Deleted Apple Phone',
  category: 'electronics',
  price: 99_900,
  active: false,
  deletedAt: at(8),
  createdAt: at(8),
});
const p10 = productDoc({ name: 'Crème Brûlée', category: 'bakery', price: 650, stock: 2, createdAt: at(9) });
const all = [p1, p2, p3, p4, p5, p6, p7, p8, p9, p10];
const name = new Map(all.map((p) => [p._id.toHexString(), p.name]));

beforeAll(async () => {
  app = await buildTestApp();
  await app.deps.database.collections.products.insertMany(all);
});
afterAll(async () => {
  await app?.close();
});

const ids = (...docs: ProductDoc[]) => docs.map((d) => d._id.toHexString());

async function get(url: string) {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
}

/** Names make a failing diff readable; ids make the assertion exact. */
async function listIds(url: string): Promise<string[]> {
  const { status, body } = await get(url);
  expect(status, JSON.stringify(body)).toBe(200);
  return (body.items as { id: string }[]).map((item) => item.id);
}
const named = (list: string[]) => list.map((id) => name.get(id) ?? id);

describe('GET /api/products: sorts (active, non-deleted only)', () => {
  it.each([
    ['', [p10, p7, p6, p5, p4, p3, p2, p1]],
    ['?sort=newest', [p10, p7, p6, p5, p4, p3, p2, p1]],
    ['?sort=price_asc', [p1, p3, p2, p4, p5, p10, p7, p6]],
    ['?sort=price_desc', [p6, p7, p10, p5, p4, p2, p3, p1]],
    ['?sort=name', [p4, p3, p10, p2, p1, p5, p7, p6]],
  ])('%s', async (query, expected) => {
    expect(named(await listIds(`/api/products${query}`))).toEqual(named(ids(...expected)));
    expect(await listIds(`/api/products${query}`)).toEqual(ids(...expected));
  });

  it('answers the documented page shape with DTOs that carry no internal fields', async () => {
    const { status, body } = await get('/api/products?limit=1&sort=price_asc');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['items', 'limit', 'nextCursor']);
    expect(body.limit).toBe(1);
    expect(body.nextCursor).toEqual(expect.any(String));
    expect(body.items[0]).toEqual({
      id: p1._id.toHexString(),
      name: 'Red Apple',
      description: 'About Red Apple',
      category: 'fruit',
      price: 100,
      currency: 'usd',
      stock: 10,
      active: true,
      images: ['https://img.example.com/p.jpg'],
      attributes: { color: 'red' },
      createdAt: at(1).toISOString(),
      updatedAt: p1.updatedAt.toISOString(),
    });
  });
});

describe('GET /api/products: filters', () => {
  it.each([
    ['category=fruit', [p3, p2, p1]],
    ['category=electronics', [p7, p6]],
    ['category=nothing-here', []],
    ['minPrice=150&maxPrice=450&sort=price_asc', [p3, p2, p4, p5]],
    ['minPrice=999', [p7, p6]],
    ['maxPrice=150&sort=price_desc', [p3, p1]],
    ['inStock=true', [p10, p7, p6, p4, p3, p1]],
    ['category=bakery&inStock=true&sort=price_desc', [p10, p4]],
    ['category=fruit&minPrice=101&inStock=true', [p3]],
  ])('%s', async (query, expected) => {
    expect(named(await listIds(`/api/products?${query}`))).toEqual(named(ids(...expected)));
  });

  it.each([
    'limit=0',
    'limit=101',
    'limit=abc',
    'minPrice=-1',
    'minPrice=1.5',
    'sort=cheapest',
    'category=Fruit',
    'color=red',
    'minPrice=500&maxPrice=100',
  ])('400 for %s', async (query) => {
    const { status, body } = await get(`/api/products?${query}`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_ERROR');
  });
});

describe('GET /api/products: cursors', () => {
  it('walks pages of `limit` until nextCursor is null, with no empty trailing page', async () => {
    const first = await get('/api/products?limit=3&sort=price_asc');
    expect(named(first.body.items.map((i: { id: string }) => i.id))).toEqual([
      'Red Apple',
      'Banana Bunch',
      'Green Apple',
    ]);
    const second = await get(`/api/products?limit=3&sort=price_asc&cursor=${first.body.nextCursor}`);
    expect(named(second.body.items.map((i: { id: string }) => i.id))).toEqual([
      'Apple Pie',
      'Sourdough Bread',
      'Crème Brûlée',
    ]);
    const third = await get(`/api/products?limit=3&sort=price_asc&cursor=${second.body.nextCursor}`);
    expect(named(third.body.items.map((i: { id: string }) => i.id))).toEqual(['USB-C Cable (2m)', 'Wireless Mouse']);
    expect(third.body.nextCursor).toBeNull();
    const exact = await get('/api/products?limit=8');
    expect(exact.body.items).toHaveLength(8);
    expect(exact.body.nextCursor).toBeNull();
  });

  it('400 INVALID_CURSOR for a cursor that does not decode or was issued for another sort', async () => {
    const newest = (await get('/api/products?limit=2')).body.nextCursor as string;
    const cases = [
      `/api/products?sort=price_asc&cursor=${newest}`,
      `/api/products?sort=name&cursor=${newest}`,
      '/api/products?cursor=abc',
      `/api/products?cursor=${Buffer.from('{"s":"newest","v":"x","i":"zz"}').toString('base64url')}`,
      `/api/products?cursor=${Buffer.from('[1,2]').toString('base64url')}`,
      `/api/products/search?q=apple&sort=price_asc&cursor=${newest}`,
    ];
    for (const url of cases) {
      const { status, body } = await get(url);
      expect({ url, status, code: body.error?.code }).toEqual({ url, status: 400, code: 'INVALID_CURSOR' });
    }
    // Characters outside base64url never reach the decoder.
    expect((await get('/api/products?cursor=a%2Bb')).status).toBe(400);
  });

  it('continues correctly from a cursor of a product that no longer exists', async () => {
    // Same createdAt as p5 (at(5)): the id decides, in descending order.
    const high = encodeCursor('newest', {
      _id: new ObjectId('ffffffffffffffffffffffff'),
      createdAt: at(5),
      price: 0,
      name: '',
    });
    expect(named(await listIds(`/api/products?cursor=${high}`))).toEqual(named(ids(p5, p4, p3, p2, p1)));
    const low = encodeCursor('newest', {
      _id: new ObjectId('000000000000000000000000'),
      createdAt: at(5),
      price: 0,
      name: '',
    });
    expect(named(await listIds(`/api/products?cursor=${low}`))).toEqual(named(ids(p4, p3, p2, p1)));
  });
});

describe('GET /api/products/search', () => {
  it.each([
    ['apple', [p4, p2, p1]],
    ['APP', [p4, p2, p1]],
    ['red app', [p1]],
    ['apple red', [p1]],
    ['creme', [p10]],
    ['BRÛLÉE', [p10]],
    ['fruit', [p3, p2, p1]],
    ['electronics mouse', [p6]],
    ['usb c', [p7]],
    ['cable 2m', [p7]],
    ['pear', []],
    ['apple pear', []],
    ['pple', []],
  ])('q=%s', async (q, expected) => {
    expect(named(await listIds(`/api/products/search?q=${encodeURIComponent(q)}`))).toEqual(named(ids(...expected)));
  });

  it('never finds inactive or deleted products', async () => {
    expect(await listIds('/api/products/search?q=gadget')).toEqual([]);
    expect(await listIds('/api/products/search?q=phone')).toEqual([]);
  });

  it.each(['.*', '(', ')', '[', '\\', '^', '$', '.+?', '|', '*', '{1}', '(?=x)', '.*.*.*.*'])(
    'regex metacharacters are literal: q=%s answers 200 with no match',
    async (q) => {
      const { status, body } = await get(`/api/products/search?q=${encodeURIComponent(q)}`);
      expect(status).toBe(200);
      expect(body).toEqual({ items: [], nextCursor: null, limit: 20 });
    },
  );

  it('treats metacharacters between words as separators, never as a pattern', async () => {
    // "appl.*" is the word "appl" (punctuation is not searchable): a prefix match on "appl".
    expect(named(await listIds(`/api/products/search?q=${encodeURIComponent('appl.*')}`))).toEqual(
      named(ids(p4, p2, p1)),
    );
    // As regexes these would match "red" / "apple"; as words ("r"+"d", "app"+"e") they match nothing.
    expect(await listIds(`/api/products/search?q=${encodeURIComponent('r.d')}`)).toEqual([]);
    expect(await listIds(`/api/products/search?q=${encodeURIComponent('app.e')}`)).toEqual([]);
    expect(await listIds(`/api/products/search?q=${encodeURIComponent('^red$')}`)).toEqual(ids(p1));
  });

  it('paginates with the same cursors and sorts as the list', async () => {
    const first = await get('/api/products/search?q=apple&limit=2&sort=price_desc');
    expect(named(first.body.items.map((i: { id: string }) => i.id))).toEqual(['Apple Pie', 'Green Apple']);
    const second = await get(`/api/products/search?q=apple&limit=2&sort=price_desc&cursor=${first.body.nextCursor}`);
    expect(named(second.body.items.map((i: { id: string }) => i.id))).toEqual(['Red Apple']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('400 for a missing, empty, too long (> 100 chars) or too wordy (> 8 words) q', async () => {
    for (const url of [
      '/api/products/search',
      '/api/products/search?q=',
      `/api/products/search?q=${'a'.repeat(101)}`,
      `/api/products/search?q=${encodeURIComponent('a b c d e f g h i')}`,
      '/api/products/search?q=apple&extra=1',
    ]) {
      const { status, body } = await get(url);
      expect({ url, status, code: body.error?.code }).toEqual({ url, status: 400, code: 'VALIDATION_ERROR' });
    }
    expect((await get(`/api/products/search?q=${'a'.repeat(100)}`)).status).toBe(200);
  });
});

describe('GET /api/products/:id', () => {
  it('answers an active product', async () => {
    const { status, body } = await get(`/api/products/${p6._id.toHexString()}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: p6._id.toHexString(), name: 'Wireless Mouse', price: 2599, stock: 7 });
    expect(body).not.toHaveProperty('searchTerms');
    // Upper-case hex is the same id.
    expect((await get(`/api/products/${p6._id.toHexString().toUpperCase()}`)).body.id).toBe(p6._id.toHexString());
  });

  it('404 NOT_FOUND for inactive, deleted or unknown products; 400 for a malformed id', async () => {
    for (const id of [p8._id.toHexString(), p9._id.toHexString(), new ObjectId().toHexString()]) {
      const { status, body } = await get(`/api/products/${id}`);
      expect(status).toBe(404);
      expect(body.error.code).toBe('NOT_FOUND');
    }
    for (const bad of ['xyz', '123', `${p6._id.toHexString()}0`, 'zzzzzzzzzzzzzzzzzzzzzzzz']) {
      const { status, body } = await get(`/api/products/${bad}`);
      expect(status).toBe(400);
      expect(body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('keeps a deleted product readable by id for code that needs it (orders), not for shoppers', async () => {
    const doc = await app.deps.database.collections.products.findOne({ _id: p9._id });
    expect(doc?.deletedAt).toBeInstanceOf(Date);
    expect((await get(`/api/products/${p9._id.toHexString()}`)).status).toBe(404);
  });
});

describe('pagination under concurrent inserts', () => {
  it.each(['newest', 'price_asc', 'price_desc', 'name'] as const)(
    'sort=%s visits every original product exactly once while products are added mid-walk',
    async (sort) => {
      const walker = await buildTestApp();
      try {
        const originals = Array.from({ length: 23 }, (_, i) =>
          productDoc({
            name: `Item ${String.fromCharCode(65 + (i % 7))} ${i % 3}`,
            category: 'walk',
            // Many ties on every sort key, so the _id tie-breaker is exercised.
            price: 100 * (i % 5),
            createdAt: at(i % 4),
          }),
        );
        await walker.deps.database.collections.products.insertMany(originals);
        const admin = bearer(walker, { sub: new ObjectId().toHexString(), role: 'admin' });
        let added = 0;
        const addProducts = async (count: number) => {
          for (let i = 0; i < count; i += 1) {
            added += 1;
            const res = await walker.inject({
              method: 'POST',
              url: '/api/admin/products',
              headers: admin,
              payload: {
                name: `Item ${String.fromCharCode(65 + (added % 7))} ${added % 3}`,
                category: 'walk',
                price: 100 * (added % 5),
                currency: 'usd',
                stock: 1,
              },
            });
            expect(res.statusCode).toBe(201);
          }
        };

        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const url = `/api/products?category=walk&limit=4&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`;
          const res = await walker.inject({ method: 'GET', url });
          expect(res.statusCode).toBe(200);
          const body = res.json() as { items: { id: string }[]; nextCursor: string | null };
          seen.push(...body.items.map((item) => item.id));
          cursor = body.nextCursor;
          pages += 1;
          if (pages <= 3) await addProducts(3); // inserts land before, inside and after the cursor
        } while (cursor && pages < 50);

        expect(new Set(seen).size).toBe(seen.length); // nothing twice
        const originalIds = originals.map((doc) => doc._id.toHexString());
        expect(originalIds.filter((id) => !seen.includes(id))).toEqual([]); // nothing skipped
        expect(seen.filter((id) => originalIds.includes(id))).toHaveLength(originals.length);
        expect(added).toBe(9);
      } finally {
        await walker.close();
      }
    },
  );
});
