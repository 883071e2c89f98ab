/**
 * The admin guard is applied once, to the whole /api/admin folder (routes/api/admin/index.ts). This walks
 * every /api/admin operation the API documents, so a route added to the folder later is checked too:
 * anonymous is 401, a customer is 403, an admin gets past the guard.
 */
import { ObjectId } from '@simple-shop/db';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../../../app.test-support';

let app: FastifyInstance;
let operations: { method: HTTPMethods; url: string }[];

beforeAll(async () => {
  app = await buildTestApp();
  await app.ready();
  const document = app.swagger() as { paths: Record<string, Record<string, unknown>> };
  operations = Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/api/admin/') || path === '/api/admin')
    .flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({
        method: method.toUpperCase() as HTTPMethods,
        // Path parameters are ids: a well-formed one that matches nothing.
        url: path.replace(/\{[^}]+\}/g, new ObjectId().toHexString()),
      })),
    );
});

afterAll(async () => {
  await app?.close();
});

describe('every /api/admin route is admin-only', () => {
  it('finds the admin routes in the OpenAPI document', () => {
    // users, orders, maintenance, failed webhooks (list, replay), board session (open, close), products (5).
    expect(operations.length).toBeGreaterThanOrEqual(12);
    expect(operations).toContainEqual({ method: 'GET', url: '/api/admin/users/' });
  });

  it('is 401 without a token', async () => {
    for (const { method, url } of operations) {
      const res = await app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().error.code, `${method} ${url}`).toBe('UNAUTHORIZED');
    }
  });

  it('is 403 for a customer', async () => {
    const customer = bearer(app, { sub: new ObjectId().toHexString(), role: 'customer' });
    for (const { method, url } of operations) {
      const res = await app.inject({ method, url, headers: customer });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code, `${method} ${url}`).toBe('FORBIDDEN');
    }
  });

  it('lets an admin past the guard', async () => {
    // A stored admin: issuing a board session reads the role from the database, not the token.
    const id = new ObjectId();
    await app.deps.database.collections.users.insertOne({
      _id: id,
      email: `${id.toHexString()}@example.test`,
      name: 'Admin',
      role: 'admin',
      passwordHash: 'x',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const admin = bearer(app, { sub: id.toHexString(), role: 'admin' });
    for (const { method, url } of operations) {
      // Without a body, a write is rejected by validation (400) or finds nothing (404): not by the guard.
      const res = await app.inject({ method, url, headers: admin });
      expect([401, 403], `${method} ${url}: ${res.body}`).not.toContain(res.statusCode);
    }
  });
});
