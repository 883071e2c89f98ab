import { Writable } from 'node:stream';
import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { loggerOptions } from '@simple-shop/observability';
import { testConfig } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app';
import { bearer, buildTestApp } from '../../app.test-support';
import { at, productDoc } from './catalog.test-support';
import { catalogReadsFor, invalidateProducts } from './index';

/**
 * Two API replicas (two apps on one MongoDB database and one Redis key prefix, as two processes
 * behind a load balancer). Each holds answers in its own memory in front of Redis; a write through
 * either one, or the worker's invalidation, must still be visible on the very next read on both.
 */
const LIMIT = 25;
let api1: FastifyInstance;
let api2: FastifyInstance;
let docs: ProductDoc[];
let admin: { authorization: string };

beforeAll(async () => {
  api1 = await buildTestApp({ CATALOG_RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_MAX: String(LIMIT) });
  const shared = { MONGODB_DB: api1.deps.config.MONGODB_DB, REDIS_KEY_PREFIX: api1.deps.config.REDIS_KEY_PREFIX };
  api2 = await buildTestApp({ ...shared, CATALOG_RATE_LIMIT_MAX: String(LIMIT), RATE_LIMIT_MAX: String(LIMIT) });
  docs = [
    productDoc({ name: 'Replica Kettle', category: 'kitchen', price: 3000, stock: 5, createdAt: at(1) }),
    productDoc({ name: 'Replica Mug', category: 'kitchen', price: 800, stock: 50, createdAt: at(2) }),
  ];
  await api1.deps.database.collections.products.insertMany(docs);
  admin = bearer(api1, { sub: new ObjectId().toHexString(), role: 'admin' });
});
afterAll(async () => {
  await api2?.close();
  await api1?.close();
});

/** Each test reads as its own client address, so the limit of one test does not spill into another. */
let lastIp = 0;
const newClient = () => `192.0.2.${(lastIp += 1)}`;

const detailUrl = () => `/api/products/${docs[0]!._id.toHexString()}`;
const listUrl = '/api/products?category=kitchen&sort=price_asc';
const searchUrl = '/api/products/search?q=replica%20kettle';

async function prices(app: FastifyInstance, ip: string) {
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, remoteAddress: ip });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const detail = (await get(detailUrl())) as { price: number };
  const list = (await get(listUrl)) as { items: { id: string; price: number }[] };
  const search = (await get(searchUrl)) as { items: { id: string; price: number }[] };
  const kettle = docs[0]!._id.toHexString();
  return {
    detail: detail.price,
    list: list.items.find((p) => p.id === kettle)?.price,
    search: search.items.find((p) => p.id === kettle)?.price,
  };
}

describe('two replicas: invalidation is exact on the next read', () => {
  it('an admin edit through either replica is what both replicas answer next (detail, list, search)', async () => {
    const ip = newClient();
    // Fill Redis and both replicas' own memory.
    for (const app of [api1, api2, api1, api2])
      expect(await prices(app, ip)).toEqual({ detail: 3000, list: 3000, search: 3000 });
    for (const app of [api1, api2]) expect(catalogReadsFor(app.deps).local.stats.entries).toBeGreaterThanOrEqual(3);

    let price = 3000;
    for (const writer of [api1, api2, api2, api1]) {
      price += 7;
      const res = await writer.inject({
        method: 'PUT',
        url: `/api/admin/products/${docs[0]!._id.toHexString()}`,
        headers: admin,
        payload: { price },
      });
      expect(res.statusCode, res.body).toBe(200);
      // The next read on each replica, and the one after (served from memory again), show the write.
      for (const app of [api1, api2, api1, api2]) {
        expect(await prices(app, newClient())).toEqual({ detail: price, list: price, search: price });
      }
    }
  });

  it("the worker's invalidation (stock moved by an order) is visible on the next read on both replicas", async () => {
    const mug = docs[1]!._id;
    const stockOn = async (app: FastifyInstance) =>
      (
        (
          await app.inject({ method: 'GET', url: `/api/products/${mug.toHexString()}`, remoteAddress: newClient() })
        ).json() as {
          stock: number;
        }
      ).stock;
    expect([await stockOn(api1), await stockOn(api2), await stockOn(api1), await stockOn(api2)]).toEqual([
      50, 50, 50, 50,
    ]);
    // What the worker does: a guarded update in MongoDB, then the shared invalidation (packages/cache).
    await api1.deps.database.collections.products.updateOne({ _id: mug }, { $inc: { stock: -3 } });
    expect(await invalidateProducts(api1.deps.redis, api1.deps.config.REDIS_KEY_PREFIX, [mug.toHexString()])).toBe(
      true,
    );
    expect([await stockOn(api2), await stockOn(api1)]).toEqual([47, 47]);
  });

  it('a product hidden by an admin is a 404 on the next read on both replicas', async () => {
    const url = `/api/products/${docs[1]!._id.toHexString()}`;
    for (const app of [api1, api2])
      expect((await app.inject({ method: 'GET', url, remoteAddress: newClient() })).statusCode).toBe(200);
    const res = await api2.inject({
      method: 'PUT',
      url: `/api/admin/products/${docs[1]!._id.toHexString()}`,
      headers: admin,
      payload: { active: false },
    });
    expect(res.statusCode, res.body).toBe(200);
    for (const app of [api1, api2]) {
      const hidden = await app.inject({ method: 'GET', url, remoteAddress: newClient() });
      expect(hidden.statusCode).toBe(404);
      expect(hidden.json().error.code).toBe('NOT_FOUND');
    }
  });
});

describe('two replicas: the catalog rate limit is one limit', () => {
  it('concurrent bursts to both replicas from one client: exactly the limit passes, the rest are 429', async () => {
    const ip = newClient();
    const burst = (app: FastifyInstance, n: number) =>
      Array.from({ length: n }, () => app.inject({ method: 'GET', url: listUrl, remoteAddress: ip }));
    // 18 + 18 requests in flight at once, so each replica counts several of them in one round trip.
    const answers = await Promise.all([...burst(api1, 18), ...burst(api2, 18)]);
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200)).toHaveLength(LIMIT);
    expect(codes.filter((c) => c === 429)).toHaveLength(36 - LIMIT);
    const refused = answers.find((r) => r.statusCode === 429)!;
    expect(refused.json().error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
    // Every request was counted once, whichever replica answered it: the counts seen are 1..36.
    const remaining = answers
      .filter((r) => r.statusCode === 200)
      .map((r) => Number(r.headers['x-ratelimit-remaining']))
      .sort((a, b) => a - b);
    expect(remaining).toEqual(Array.from({ length: LIMIT }, (_, i) => i));
    // Still limited on both replicas; another client is not.
    for (const app of [api1, api2]) {
      expect((await app.inject({ method: 'GET', url: detailUrl(), remoteAddress: ip })).statusCode).toBe(429);
      expect((await app.inject({ method: 'GET', url: detailUrl(), remoteAddress: newClient() })).statusCode).toBe(200);
    }
  });

  it('sequential reads alternate replicas and count down one shared window', async () => {
    const ip = newClient();
    const seen: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await (i % 2 ? api2 : api1).inject({ method: 'GET', url: detailUrl(), remoteAddress: ip });
      expect(res.statusCode).toBe(200);
      seen.push(Number(res.headers['x-ratelimit-remaining']));
    }
    expect(seen).toEqual([24, 23, 22, 21, 20, 19]);
  });

  it('the general limit (other routes) is one limit across replicas too, and apart from the catalog class', async () => {
    const ip = newClient();
    const codes: number[] = [];
    for (let i = 0; i < LIMIT + 2; i += 1) {
      codes.push(
        (await (i % 2 ? api2 : api1).inject({ method: 'GET', url: '/docs/json', remoteAddress: ip })).statusCode,
      );
    }
    expect(codes.filter((c) => c === 200)).toHaveLength(LIMIT);
    expect(codes.slice(LIMIT)).toEqual([429, 429]);
    // The catalog class of this client is untouched.
    expect((await api1.inject({ method: 'GET', url: detailUrl(), remoteAddress: ip })).statusCode).toBe(200);
  });
});

describe('ETag and Cache-Control', () => {
  it('answers carry a strong ETag; If-None-Match gives 304 until the product changes', async () => {
    const url = `/api/products/${docs[0]!._id.toHexString()}`;
    const first = await api1.inject({ method: 'GET', url, remoteAddress: newClient() });
    expect(first.statusCode).toBe(200);
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers['cache-control']).toBe('public, no-cache');
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');

    // The same bytes on the other replica: the same ETag, so a 304 there too.
    for (const app of [api2, api1]) {
      const again = await app.inject({
        method: 'GET',
        url,
        headers: { 'if-none-match': etag },
        remoteAddress: newClient(),
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
    }
    const other = await api1.inject({
      method: 'GET',
      url,
      headers: { 'if-none-match': '"nope", W/"other"' },
      remoteAddress: newClient(),
    });
    expect(other.statusCode).toBe(200);

    const { price } = first.json() as { price: number };
    const edit = await api2.inject({
      method: 'PUT',
      url: `/api/admin/products/${docs[0]!._id.toHexString()}`,
      headers: admin,
      payload: { price: price + 1 },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    for (const app of [api1, api2]) {
      const changed = await app.inject({
        method: 'GET',
        url,
        headers: { 'if-none-match': etag },
        remoteAddress: newClient(),
      });
      expect(changed.statusCode).toBe(200);
      expect((changed.json() as { price: number }).price).toBe(price + 1);
      expect(changed.headers.etag).not.toBe(etag);
    }
  });

  it('pages too: 304 for the current ETag, 200 with a new one once a product on it changed', async () => {
    const page = await api2.inject({ method: 'GET', url: listUrl, remoteAddress: newClient() });
    const etag = String(page.headers.etag);
    const again = await api1.inject({
      method: 'GET',
      url: listUrl,
      headers: { 'if-none-match': etag },
      remoteAddress: newClient(),
    });
    expect(again.statusCode).toBe(304);
    const { price } = (await api1.inject({ method: 'GET', url: detailUrl(), remoteAddress: newClient() })).json() as {
      price: number;
    };
    const edit = await api1.inject({
      method: 'PUT',
      url: `/api/admin/products/${docs[0]!._id.toHexString()}`,
      headers: admin,
      payload: { price: price + 1 },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    const changed = await api2.inject({
      method: 'GET',
      url: listUrl,
      headers: { 'if-none-match': etag },
      remoteAddress: newClient(),
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });
});

describe('the request log line of catalog reads', () => {
  it('one info line per request with requestId, method, url, status and time; e-mail addresses still masked', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const config = testConfig({ LOG_LEVEL: 'info' });
    const logger = pino(loggerOptions({ service: 'api', level: 'info' }), stream);
    const app = await buildApp({ config, logger });
    try {
      await app.deps.database.collections.products.insertMany([
        productDoc({ name: 'Logged Lamp', category: 'lighting' }),
      ]);
      const url = '/api/products/search?q=ada%40example.com';
      const res = await app.inject({ method: 'GET', url, headers: { 'x-request-id': 'req-catalog-1' } });
      expect(res.statusCode).toBe(200);
      const mine = lines.filter((l) => l.requestId === 'req-catalog-1');
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        level: 'info',
        service: 'api',
        msg: 'request completed',
        method: 'GET',
        // The address in the query is masked even percent-encoded (packages/observability maskEmails).
        url: '/api/products/search?q=a***@example.com',
        statusCode: 200,
      });
      expect(typeof mine[0]!.responseTime).toBe('number');
      expect(JSON.stringify(lines)).not.toMatch(/ada(@|%40)example/);

      // A 404 is one labelled line too (the request's own logger is made only if something writes through it).
      const missing = await app.inject({
        method: 'GET',
        url: '/api/products/0123456789abcdef01234567',
        headers: { 'x-request-id': 'req-catalog-2' },
      });
      expect(missing.statusCode).toBe(404);
      expect(lines.filter((l) => l.requestId === 'req-catalog-2')).toEqual([
        expect.objectContaining({ level: 'info', msg: 'request completed', statusCode: 404 }),
      ]);
    } finally {
      await app.close();
    }
  });
});

describe('with Redis down', () => {
  it('the catalog limit is counted in process memory (reads come from MongoDB): 200, 200, then 429', async () => {
    const down = await buildTestApp({ REDIS_URL: 'redis://127.0.0.1:1', CATALOG_RATE_LIMIT_MAX: '2' });
    try {
      await down.deps.database.collections.products.insertMany([
        productDoc({ name: 'Offline Chair', category: 'home' }),
      ]);
      const codes: number[] = [];
      for (let i = 0; i < 3; i += 1)
        codes.push((await down.inject({ method: 'GET', url: '/api/products?limit=5' })).statusCode);
      expect(codes).toEqual([200, 200, 429]);
    } finally {
      await down.close();
    }
  });
});
