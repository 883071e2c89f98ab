/**
 * Failover behaviour against a MongoDB this file owns (its own stand-in process), so it can be
 * stopped under a running API: while no primary can be selected the API answers 503
 * DATABASE_UNAVAILABLE with Retry-After, never a bare 500, and it serves again once the database
 * is back. A short server selection timeout keeps the outage answers quick.
 */
import { ObjectId } from '@simple-shop/db';
import { freePort, startJongodb, testConfig, type StartedJongodb } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { bearer } from './app.test-support';

let port: number;
let mongo: StartedJongodb | undefined;
let app: FastifyInstance;

beforeAll(async () => {
  port = await freePort();
  mongo = await startJongodb({ port });
  app = await buildApp({
    config: testConfig({ MONGODB_URI: mongo.uri, MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300' }),
  });
});
afterAll(async () => {
  await app?.close();
  await mongo?.stop();
});

describe('while MongoDB has no primary', () => {
  it('answers 503 DATABASE_UNAVAILABLE with Retry-After on reads and writes, and serves again once it is back', async () => {
    const headers = bearer(app, { sub: new ObjectId().toHexString(), role: 'customer' });
    const listOrders = () => app.inject({ method: 'GET', url: '/api/orders', headers });
    const placeOrder = () =>
      app.inject({
        method: 'POST',
        url: '/api/orders',
        headers: { ...headers, 'idempotency-key': 'during-outage' },
        payload: { items: [{ productId: new ObjectId().toHexString(), quantity: 1 }] },
      });
    expect((await listOrders()).statusCode).toBe(200);

    await mongo!.stop();
    mongo = undefined;
    for (const res of [await listOrders(), await placeOrder()]) {
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toEqual({
        error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is temporarily unavailable; retry shortly' },
      });
    }
    const deep = await app.inject({ method: 'GET', url: '/health/deep' });
    expect(deep.statusCode).toBe(503);
    expect(deep.json().checks.database.status).toBe('down');

    // The same address again, as a new primary would be found after an election.
    mongo = await startJongodb({ port });
    const again = await listOrders();
    expect(again.statusCode).toBe(200);
    expect(again.json().items).toEqual([]);
  });
});
