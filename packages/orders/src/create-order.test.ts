import { connectDatabase, ObjectId, type Database, type ProductDoc } from '@simple-shop/db';
import { productDoc, testEnv } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrder, type OrderLineRequest } from './create-order';
import { InsufficientStockError, OrderError } from './errors';

/** createOrder against a real MongoDB-protocol server: prices from the catalog, all lines or none. */
let database: Database;

beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'create-order-test' });
});
afterAll(async () => database?.close());

async function products(...overrides: Partial<ProductDoc>[]): Promise<ProductDoc[]> {
  const docs = overrides.map((o) => productDoc({ reserved: 0, ...o }));
  await database.collections.products.insertMany(docs);
  return docs;
}
const stockOf = async (id: ObjectId) => (await database.collections.products.findOne({ _id: id }))!.stock;
const place = (lines: OrderLineRequest[], now?: Date) =>
  createOrder(database, { userId: new ObjectId(), lines, ttlSeconds: 1800, ...(now ? { now } : {}) });

/** The OrderError code createOrder rejects with, after checking nothing was written for it. */
async function rejection(lines: OrderLineRequest[]): Promise<string> {
  const ordersBefore = await database.collections.orders.countDocuments();
  const reservationsBefore = await database.collections.reservations.countDocuments();
  const error = await place(lines).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrderError);
  expect(await database.collections.orders.countDocuments()).toBe(ordersBefore);
  expect(await database.collections.reservations.countDocuments()).toBe(reservationsBefore);
  return (error as OrderError).code;
}

describe('createOrder', () => {
  it('snapshots names and prices from the catalog, merges repeated lines, totals in minor units', async () => {
    const [shoe, sock] = await products(
      { name: 'Shoe', price: 8999, stock: 5 },
      { name: 'Sock', price: 350, stock: 9 },
    );
    const now = new Date('2026-01-01T10:00:00.000Z');
    const order = await place(
      [
        { productId: shoe!._id, quantity: 1 },
        { productId: sock!._id, quantity: 2 },
        { productId: shoe!._id, quantity: 1 },
      ],
      now,
    );
    expect(order).toMatchObject({
      status: 'pending_payment',
      items: [
        { productId: shoe!._id, name: 'Shoe', quantity: 2, unitPrice: 8999 },
        { productId: sock!._id, name: 'Sock', quantity: 2, unitPrice: 350 },
      ],
      total: 2 * 8999 + 2 * 350,
      currency: 'usd',
      expiresAt: new Date('2026-01-01T10:30:00.000Z'),
      history: [{ status: 'pending_payment', at: now }],
    });
    expect(await database.collections.orders.findOne({ _id: order._id })).toEqual(order);
    // A later price change does not touch the order.
    await database.collections.products.updateOne({ _id: shoe!._id }, { $set: { price: 1 } });
    expect((await database.collections.orders.findOne({ _id: order._id }))!.total).toBe(2 * 8999 + 2 * 350);
    expect([await stockOf(shoe!._id), await stockOf(sock!._id)]).toEqual([3, 7]);
  });

  it('refuses an empty order', async () => {
    expect(await rejection([])).toBe('EMPTY_ORDER');
  });

  it('refuses unknown, deleted and inactive products, reserving nothing', async () => {
    const [ok, deleted, inactive] = await products({ stock: 3 }, { deletedAt: new Date() }, { active: false });
    expect(
      await rejection([
        { productId: ok!._id, quantity: 1 },
        { productId: new ObjectId(), quantity: 1 },
      ]),
    ).toBe('PRODUCT_NOT_FOUND');
    expect(await rejection([{ productId: deleted!._id, quantity: 1 }])).toBe('PRODUCT_NOT_FOUND');
    expect(
      await rejection([
        { productId: ok!._id, quantity: 1 },
        { productId: inactive!._id, quantity: 1 },
      ]),
    ).toBe('PRODUCT_UNAVAILABLE');
    expect(await stockOf(ok!._id)).toBe(3);
  });

  it('refuses products priced in two currencies', async () => {
    const [usd, eur] = await products({ currency: 'usd' }, { currency: 'eur' });
    expect(
      await rejection([
        { productId: usd!._id, quantity: 1 },
        { productId: eur!._id, quantity: 1 },
      ]),
    ).toBe('CURRENCY_MISMATCH');
  });

  it('is all or nothing: one short line gives back the units the other lines took', async () => {
    const [plenty, scarce] = await products({ stock: 10 }, { stock: 1 });
    const error = await place([
      { productId: plenty!._id, quantity: 4 },
      { productId: scarce!._id, quantity: 2 },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientStockError);
    expect((error as InsufficientStockError).short).toEqual([
      { productId: scarce!._id.toHexString(), requested: 2, available: 1 },
    ]);
    expect([await stockOf(plenty!._id), await stockOf(scarce!._id)]).toEqual([10, 1]);
    const markers = await database.collections.products.find({ _id: { $in: [plenty!._id, scarce!._id] } }).toArray();
    expect(markers.map((p) => [p.reserved ?? 0, Object.keys(p.holds ?? {}).length])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(await database.collections.orders.countDocuments({ 'items.productId': plenty!._id })).toBe(0);
  });
});
