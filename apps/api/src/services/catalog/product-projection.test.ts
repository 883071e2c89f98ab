/**
 * Product reads ask MongoDB for the fields the DTO and the cache need, never for internal ones
 * (holds of open orders, search terms, sku). Checked on the commands the driver sends, because
 * the offline stand-in ignores projections and returns whole documents anyway.
 */
import type { CommandStartedEvent, Document } from 'mongodb';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertProducts, productDoc } from '../../products.test-support';
import { buildTestApp } from '../../app.test-support';
import { PRODUCT_VIEW_PROJECTION } from './product-dto';

let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
});

it('every product find carries the explicit projection, and answers carry no internal fields', async () => {
  const [product] = await insertProducts(app.deps.database, [
    productDoc({ stock: 4, holds: { '0123456789abcdef01234567': 1 }, sku: 'SKU-PROJECTION' }),
  ]);
  const finds: Document[] = [];
  const onCommand = (event: CommandStartedEvent) => {
    if (event.commandName === 'find' && event.command.find === 'products') finds.push(event.command);
  };
  app.deps.database.client.on('commandStarted', onCommand);
  try {
    const one = await app.inject({ method: 'GET', url: `/api/products/${product!._id.toHexString()}` });
    const page = await app.inject({ method: 'GET', url: `/api/products?category=${product!.category}` });
    expect(one.statusCode).toBe(200);
    expect(page.statusCode).toBe(200);
    for (const body of [one.json(), page.json().items[0]]) {
      expect(body).not.toHaveProperty('holds');
      expect(body).not.toHaveProperty('searchTerms');
      expect(body).not.toHaveProperty('sku');
    }
  } finally {
    app.deps.database.client.off('commandStarted', onCommand);
  }
  expect(finds.length).toBeGreaterThanOrEqual(2);
  for (const command of finds) expect(command.projection).toEqual(PRODUCT_VIEW_PROJECTION);
});
