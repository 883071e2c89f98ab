import { connectDatabase, ObjectId, type Database, type OrderDoc } from '@simple-shop/db';
import { productDoc, testEnv } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endUnpaidOrder } from '../transitions';
import { reservationId } from '../inventory/reservations';
import { migrateInventoryToReservations } from './inventory-reservations';

/** `pnpm migrate` on data written by the first inventory model (holds keyed by order id, no `reserved`). */
let database: Database;
beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'migration-test' });
});
afterAll(async () => database?.close());

function legacyOrder(productId: ObjectId, quantity: number, status: string): OrderDoc {
  const now = new Date();
  return {
    _id: new ObjectId(),
    userId: new ObjectId(),
    status,
    items: [{ productId, name: 'Legacy', quantity, unitPrice: 100 }],
    total: 100 * quantity,
    currency: 'usd',
    expiresAt: new Date(now.getTime() + 3600_000),
    history: [],
    createdAt: now,
    updatedAt: now,
  };
}

describe('migrateInventoryToReservations', () => {
  it('turns legacy holds into reservations, keeps open orders working, and is idempotent', async () => {
    const p = productDoc({ stock: 5 });
    const pending = legacyOrder(p._id, 2, 'pending_payment');
    const cancelled = legacyOrder(p._id, 1, 'cancelled'); // crashed before its hold was released
    delete (p as { reserved?: number }).reserved;
    p.holds = { [pending._id.toHexString()]: 2, [cancelled._id.toHexString()]: 1 };
    const untouched = productDoc({ stock: 7 });
    delete (untouched as { reserved?: number }).reserved;
    await database.collections.products.insertMany([p, untouched]);
    await database.collections.orders.insertMany([pending, cancelled]);

    const first = await migrateInventoryToReservations(database);
    expect(first).toMatchObject({ holdsConverted: 2 });
    const migrated = await database.collections.products.findOne({ _id: p._id });
    // The cancelled order's leftover hold is released on the way: its unit is back on sale.
    expect(migrated).toMatchObject({ stock: 6, reserved: 2 });
    expect(Object.keys(migrated!.holds ?? {})).toEqual([reservationId(pending._id, p._id)]);
    expect((await database.collections.products.findOne({ _id: untouched._id }))?.reserved).toBe(0);
    expect(await database.collections.reservations.findOne({ orderId: pending._id })).toMatchObject({ status: 'held' });
    expect(await database.collections.reservations.findOne({ orderId: cancelled._id })).toMatchObject({
      status: 'released',
      settled: true,
    });

    // Again: nothing more changes.
    const second = await migrateInventoryToReservations(database);
    expect(second).toMatchObject({ holdsConverted: 0, reservedInitialised: 0 });
    expect(await database.collections.products.findOne({ _id: p._id })).toMatchObject({ stock: 6, reserved: 2 });

    // The migrated open order ends through the new model and gives its units back exactly once.
    await endUnpaidOrder(database, pending._id, 'expired', 'test');
    expect(await database.collections.products.findOne({ _id: p._id })).toMatchObject({ stock: 8, reserved: 0 });
  });
});
