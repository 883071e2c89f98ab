import { ObjectId } from '@simple-shop/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp } from './app.test-support';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app.close();
});

describe('request IDs', () => {
  it('echoes a caller-supplied x-request-id', async () => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'storefront-abc.123' } });
    expect(res.headers['x-request-id']).toBe('storefront-abc.123');
  });

  it('generates one when absent, and replaces an unsafe one', async () => {
    const generated = await app.inject({ method: 'GET', url: '/health' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'a b<script>' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(unsafe.headers['x-request-id']).not.toBe(generated.headers['x-request-id']);
  });

  it('is on error answers too', async () => {
    const res = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'err-1' } });
    expect(res.headers['x-request-id']).toBe('err-1');
  });
});

describe('security headers', () => {
  it('are on every answer, with the strict CSP', async () => {
    for (const url of ['/health', '/nowhere']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });
});

describe('error body', () => {
  it('404 for an unknown route', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/does-not-exist?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Route GET /api/does-not-exist not found' } });
  });

  it('400 with details for a body that breaks the schema', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/maintenance/heartbeat',
      headers: bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' }),
      payload: { correlationId: 'ok', extra: true },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.details).toEqual([{ path: 'body/extra', message: 'is not an allowed property' }]);
  });

  it('router-level failures (bad percent-encoding, over-long parameter) get the standard body too', async () => {
    const bad = await app.inject({ method: 'GET', url: '/api/products/%zz' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
    const long = await app.inject({ method: 'GET', url: `/api/products/${'x'.repeat(500)}` });
    expect(long.statusCode).toBeGreaterThanOrEqual(400);
    expect(long.statusCode).toBeLessThan(500);
    expect(Object.keys(long.json())).toEqual(['error']);
  });

  it('400 for malformed JSON, with the standard shape', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/maintenance/heartbeat',
      headers: {
        ...bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' }),
        'content-type': 'application/json',
      },
      payload: '{"correlationId": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'BAD_REQUEST', message: expect.any(String) });
  });

  it('401 without a token and 403 for a customer, before the body is looked at', async () => {
    const anonymous = await app.inject({
      method: 'POST',
      url: '/api/admin/maintenance/heartbeat',
      payload: { junk: 1 },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
    const customer = await app.inject({
      method: 'POST',
      url: '/api/admin/maintenance/heartbeat',
      headers: bearer(app, { sub: new ObjectId().toHexString(), role: 'customer' }),
      payload: {},
    });
    expect(customer.statusCode).toBe(403);
    expect(customer.json().error.code).toBe('FORBIDDEN');
  });

  it('accepts a valid admin request and queues the job', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/maintenance/heartbeat',
      headers: bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' }),
      payload: { correlationId: 'corr-1' },
    });
    expect(res.statusCode).toBe(202);
    const job = await app.deps.queues.maintenance.queue.getJob(res.json().jobId);
    expect(job?.data).toMatchObject({ task: 'heartbeat', correlationId: 'corr-1' });
  });
});

describe('metrics', () => {
  it('exposes the two HTTP metrics labelled by route pattern, not raw URL', async () => {
    expect((await app.inject({ method: 'GET', url: '/docs/static/swagger-ui.css' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' })).statusCode).toBe(200);
    await app.inject({ method: 'GET', url: '/missing/abc123' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const text = res.body;
    expect(text).toMatch(/# TYPE http_request_duration_seconds histogram/);
    expect(text).toMatch(/# TYPE http_request_total counter/);
    const lines = text.split('\n');
    const sample = (name: string, labels: string[]) =>
      lines.find((l) => l.startsWith(`${name}{`) && labels.every((label) => l.includes(label)));
    expect(sample('http_request_total', ['route="/docs/static/*"', 'status_code="200"', 'method="GET"'])).toMatch(
      / 2$/,
    );
    expect(sample('http_request_total', ['route="unmatched"', 'status_code="404"'])).toMatch(/ [1-9]\d*$/);
    expect(sample('http_request_duration_seconds_count', ['route="/docs/static/*"', 'status_code="200"'])).toMatch(
      / 2$/,
    );
    expect(text).not.toMatch(/swagger-ui\.css|swagger-ui-bundle|abc123/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
  });
});

describe('OpenAPI', () => {
  it('serves the document and the UI', async () => {
    const json = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json().openapi).toBe('3.1.0');
    expect(Object.keys(json.json().paths)).toContain('/api/admin/maintenance/heartbeat');
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
  });
});
