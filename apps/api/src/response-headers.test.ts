/**
 * The headers every answer carries — security headers, the request id, CORS for the configured
 * storefront origins only — on the catalog reads (the hottest routes, whose header work is done
 * once at start-up) as on any other route, and the CORS preflight rules.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './app.test-support';
import { API_HELMET_OPTIONS, helmetHeaders } from './plugins/external/helmet';
import { productDoc } from './services/catalog/catalog.test-support';

const STOREFRONT = 'https://shop.example.com';
const OTHER_STOREFRONT = 'https://second.example.com';
const EXPOSED = 'X-Request-Id, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset';

let app: FastifyInstance;
const product = productDoc({ name: 'Header Lamp', category: 'home', price: 1200, stock: 4 });

beforeAll(async () => {
  app = await buildTestApp({ CORS_ORIGINS: `${STOREFRONT},${OTHER_STOREFRONT}` });
  await app.deps.database.collections.products.insertOne(product);
});
afterAll(async () => {
  await app?.close();
});

const catalogReads = () => [
  { url: `/api/products/${product._id.toHexString()}`, status: 200 },
  { url: '/api/products?category=home', status: 200 },
  { url: '/api/products/search?q=lamp', status: 200 },
  { url: '/api/products/0123456789abcdef01234567', status: 404 },
];
const otherAnswers = [
  { url: '/health', status: 200 },
  { url: '/api/cart', status: 401 },
  { url: '/nowhere', status: 404 },
];

const corsHeaders = (headers: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('access-control-') || name === 'vary'));

describe('security headers and request id', () => {
  it('are on catalog answers (200 and 404) exactly as on every other answer', async () => {
    const expected = helmetHeaders(API_HELMET_OPTIONS);
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(10);
    for (const { url, status } of [...catalogReads(), ...otherAnswers]) {
      const res = await app.inject({ method: 'GET', url, headers: { 'x-request-id': `hdr-${status}` } });
      expect(res.statusCode, url).toBe(status);
      for (const [name, value] of Object.entries(expected)) expect(res.headers[name], `${url} ${name}`).toBe(value);
      expect(res.headers['x-request-id'], url).toBe(`hdr-${status}`);
    }
  });
});

describe('CORS', () => {
  it('reflects an allowed origin with credentials and the exposed headers, on catalog reads and elsewhere', async () => {
    for (const origin of [STOREFRONT, OTHER_STOREFRONT]) {
      for (const { url, status } of [...catalogReads(), ...otherAnswers]) {
        const res = await app.inject({ method: 'GET', url, headers: { origin } });
        expect(res.statusCode, url).toBe(status);
        expect(corsHeaders(res.headers), url).toEqual({
          vary: 'Origin',
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          'access-control-expose-headers': EXPOSED,
        });
      }
    }
  });

  it('gives an unknown origin no CORS header at all (only Vary: Origin, for caches)', async () => {
    for (const origin of ['https://evil.example', 'null', `${STOREFRONT}.evil.example`, STOREFRONT.toUpperCase()]) {
      for (const { url, status } of [...catalogReads(), ...otherAnswers]) {
        const res = await app.inject({ method: 'GET', url, headers: { origin } });
        expect(res.statusCode, url).toBe(status);
        expect(corsHeaders(res.headers), `${origin} ${url}`).toEqual({ vary: 'Origin' });
      }
    }
  });

  it('answers without an Origin header (same-origin or not a browser) without allowing any origin', async () => {
    const res = await app.inject({ method: 'GET', url: catalogReads()[0]!.url });
    expect(corsHeaders(res.headers)).toEqual({
      vary: 'Origin',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': EXPOSED,
    });
  });

  it("answers an allowed origin's preflight with 204 and the allowed methods and headers", async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/api/cart/add',
      headers: { origin: STOREFRONT, 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers['content-length']).toBe('0');
    expect(corsHeaders(res.headers)).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': STOREFRONT,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': EXPOSED,
      'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'access-control-allow-headers': 'Authorization, Content-Type, Idempotency-Key, X-Request-Id',
      'access-control-max-age': '600',
    });
  });

  it("refuses an unknown origin's preflight (404, no CORS headers)", async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/api/cart/add',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(404);
    expect(corsHeaders(res.headers)).toEqual({ vary: 'Origin' });
  });

  it('refuses an OPTIONS request that is not a complete preflight with 400', async () => {
    for (const headers of [{ origin: STOREFRONT }, { 'access-control-request-method': 'POST' }, {}]) {
      const res = await app.inject({ method: 'OPTIONS', url: '/api/cart/add', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(400);
      expect(res.body).toBe('Invalid Preflight Request');
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
    }
  });
});
