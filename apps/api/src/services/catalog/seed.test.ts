/**
 * Tests of the demo seed (@simple-shop/seed), kept in the API because they check that the seeded
 * catalog is what the API serves.
 */
import { ObjectId } from '@simple-shop/db';
import argon2 from 'argon2';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSeed, generateCatalog, seedDatabase, SEED_CATEGORIES } from '@simple-shop/seed';
import { buildTestApp } from '../../app.test-support';
import { searchTermsFor } from '@simple-shop/domain';

describe('the demo catalog generator', () => {
  it('is deterministic, and product i does not depend on the count', () => {
    const a = generateCatalog(60);
    const b = generateCatalog(60);
    expect(b).toEqual(a);
    expect(generateCatalog(25)).toEqual(a.slice(0, 25));
    expect(a[0]!._id).toBeInstanceOf(ObjectId);
  });

  it('makes plausible, valid products across 10 categories', () => {
    const catalog = generateCatalog(1000);
    expect(SEED_CATEGORIES).toHaveLength(10);
    expect(new Set(catalog.map((p) => p.category))).toEqual(new Set(SEED_CATEGORIES));
    expect(new Set(catalog.map((p) => p.sku)).size).toBe(1000);
    expect(new Set(catalog.map((p) => p._id.toHexString())).size).toBe(1000);
    expect(new Set(catalog.map((p) => p.name)).size).toBeGreaterThan(500);
    for (const p of catalog) {
      expect(Number.isSafeInteger(p.price) && p.price > 0 && p.price < 100_000).toBe(true);
      expect(Number.isSafeInteger(p.stock) && p.stock >= 0).toBe(true);
      expect(p.currency).toBe('usd');
      expect(p.name.length).toBeLessThanOrEqual(200);
      expect(p.description.length).toBeGreaterThan(40);
      expect(p.images.every((url) => url.startsWith('https://'))).toBe(true);
      expect(Object.keys(p.attributes).length).toBeGreaterThan(1);
      expect(p.searchTerms).toEqual(searchTermsFor(p.name, p.category));
    }
    const outOfStock = catalog.filter((p) => p.stock === 0).length;
    const inactive = catalog.filter((p) => !p.active).length;
    expect(outOfStock).toBeGreaterThan(10);
    expect(inactive).toBeGreaterThan(5);
    expect(inactive).toBeLessThan(100);
  });
});

describe('seedDatabase', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('run twice leaves the same counts, keeps edits made in between, and creates working accounts', async () => {
    const { database } = app.deps;
    const first = await seedDatabase(database, { productCount: 200 });
    expect(first.products).toEqual({ inserted: 200, existing: 0, total: 200 });
    expect(first.users).toEqual({ created: ['admin@example.com', 'customer@example.com'], existing: [] });

    const edited = generateCatalog(1)[0]!;
    await database.collections.products.updateOne({ _id: edited._id }, { $set: { stock: 4321 } });

    const second = await seedDatabase(database, { productCount: 200 });
    expect(second.products).toEqual({ inserted: 0, existing: 200, total: 200 });
    expect(second.users).toEqual({ created: [], existing: ['admin@example.com', 'customer@example.com'] });
    expect(await database.collections.products.countDocuments()).toBe(200);
    expect(await database.collections.users.countDocuments()).toBe(2);
    expect((await database.collections.products.findOne({ _id: edited._id }))?.stock).toBe(4321);

    const admin = await database.collections.users.findOne({ email: 'admin@example.com' });
    expect(admin).toMatchObject({ role: 'admin', name: 'Demo Admin' });
    expect(await argon2.verify(admin!.passwordHash, first.accounts[0]!.password)).toBe(true);
    const customer = await database.collections.users.findOne({ email: 'customer@example.com' });
    expect(customer?.role).toBe('customer');
    expect(await argon2.verify(customer!.passwordHash, first.accounts[1]!.password)).toBe(true);

    const lines = describeSeed(second);
    expect(lines.join('\n')).toMatch(/admin@example\.com\s+password: \S+/);
    expect(lines.join('\n')).toMatch(/customer@example\.com\s+password: \S+/);

    // The seeded catalog is what the API serves.
    const page = (await app.inject({ method: 'GET', url: '/api/products?limit=100' })).json();
    expect(page.items).toHaveLength(100);
    expect(page.nextCursor).toEqual(expect.any(String));
    const search = (await app.inject({ method: 'GET', url: '/api/products/search?q=coffee' })).json();
    expect(search.items.length).toBeGreaterThan(0);
    expect(search.items.every((p: { name: string }) => /coffee/i.test(p.name))).toBe(true);

    // A larger run extends the same catalog.
    const third = await seedDatabase(database, { productCount: 260 });
    expect(third.products).toEqual({ inserted: 60, existing: 200, total: 260 });
  });

  it('seeds the default 1,000 products, and seeding again adds nothing', async () => {
    const other = await buildTestApp();
    try {
      const first = await seedDatabase(other.deps.database);
      const second = await seedDatabase(other.deps.database);
      expect(first.products).toEqual({ inserted: 1000, existing: 0, total: 1000 });
      expect(second.products).toEqual({ inserted: 0, existing: 1000, total: 1000 });
      expect(await other.deps.database.collections.products.countDocuments()).toBe(1000);
      // Its speed is a budget of `pnpm bench` (bench/run.ts), not an assertion here.
    } finally {
      await other.close();
    }
  });
});
