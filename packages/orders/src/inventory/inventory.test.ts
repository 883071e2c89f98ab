import { connectDatabase, ObjectId, type CommandStartedEvent, type Database } from '@simple-shop/db';
import { productDoc, testEnv } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrder } from '../create-order';
import { endUnpaidOrder } from '../transitions';
import { applyAdjustment, recordAdjustment } from './adjustments';
import { changeStock } from './admin-stock';
import { consumeReservations, releaseReservations, reserveMissing, settleReservations } from './reservations';

/** The inventory model against a real MongoDB-protocol server: on hand, reserved, available. */
let database: Database;
const commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'inventory-test', monitorCommands: true });
  database.client.on('commandStarted', (event) => commands.push(event));
});
afterAll(async () => database?.close());

async function product(stock: number) {
  const doc = productDoc({ stock, reserved: 0 });
  await database.collections.products.insertOne(doc);
  return doc;
}
const levels = async (id: ObjectId) => {
  const doc = await database.collections.products.findOne({ _id: id });
  return { available: doc!.stock, reserved: doc!.reserved ?? 0, markers: Object.keys(doc!.holds ?? {}).length };
};
const order = (productId: ObjectId, quantity: number) =>
  createOrder(database, { userId: new ObjectId(), lines: [{ productId, quantity }], ttlSeconds: 1800 });

describe('reservations', () => {
  it('placing an order reserves: available goes down, reserved up, on hand unchanged', async () => {
    const p = await product(10);
    const o = await order(p._id, 3);
    expect(await levels(p._id)).toEqual({ available: 7, reserved: 3, markers: 1 });
    expect(await database.collections.reservations.countDocuments({ orderId: o._id, status: 'held' })).toBe(1);
  });

  it('20 concurrent buyers of 5 units: exactly 5 reserve, available never below 0', async () => {
    const p = await product(5);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => order(p._id, 1)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(await levels(p._id)).toEqual({ available: 0, reserved: 5, markers: 5 });
  });

  it('paying consumes the reservation inside the transaction without writing the product', async () => {
    const p = await product(4);
    const o = await order(p._id, 2);
    commands.length = 0;
    const missing = await database.transaction((session) => consumeReservations(database, o._id, o.items, session));
    expect(missing).toEqual([]);
    const inTransaction = commands.filter((c) => c.command.txnNumber !== undefined && c.commandName !== 'commitTransaction');
    expect(inTransaction.length).toBeGreaterThan(0);
    expect(inTransaction.map((c) => c.command[c.commandName])).not.toContain('products');
    // Until settled the sold units still count as reserved; settling drops them, available unchanged.
    expect(await levels(p._id)).toEqual({ available: 2, reserved: 2, markers: 1 });
    expect(await settleReservations(database, o._id)).toEqual([]);
    expect(await levels(p._id)).toEqual({ available: 2, reserved: 0, markers: 0 });
    expect(await settleReservations(database, o._id)).toEqual([]);
    expect(await levels(p._id)).toEqual({ available: 2, reserved: 0, markers: 0 });
  });

  it('cancel, expiry and a repeated release give the units back exactly once', async () => {
    const p = await product(6);
    const o = await order(p._id, 4);
    const [first, second] = await Promise.all([
      endUnpaidOrder(database, o._id, 'cancelled', 'test'),
      endUnpaidOrder(database, o._id, 'expired', 'test'),
    ]);
    expect([first, second].filter(Boolean)).toHaveLength(1);
    await releaseReservations(database, o._id);
    expect(await levels(p._id)).toEqual({ available: 6, reserved: 0, markers: 0 });
  });

  it('a released reservation cannot then be consumed, and a late payment re-reserves', async () => {
    const p = await product(3);
    const o = await order(p._id, 2);
    await endUnpaidOrder(database, o._id, 'expired', 'test');
    const missing = await database.transaction((session) => consumeReservations(database, o._id, o.items, session));
    expect(missing).toHaveLength(1);
    expect(await reserveMissing(database, o._id, o.items)).toEqual({ short: [], retaken: [p._id] });
    expect(await levels(p._id)).toEqual({ available: 1, reserved: 2, markers: 1 });
    expect(await database.transaction((session) => consumeReservations(database, o._id, o.items, session))).toEqual([]);
  });
});

describe('admin stock changes', () => {
  it('setting on hand while shoppers hold units keeps their reservation (no oversell after a cancel)', async () => {
    const p = await product(10);
    const o = await order(p._id, 3);
    // A recount finds the same 10 units on the shelf.
    await changeStock(database, p._id, { onHand: 10, reason: 'recount', by: 'admin-1' });
    expect(await levels(p._id)).toEqual({ available: 7, reserved: 3, markers: 1 });
    await endUnpaidOrder(database, o._id, 'cancelled', 'test');
    expect(await levels(p._id)).toEqual({ available: 10, reserved: 0, markers: 0 });
  });

  it('a stale expected on-hand count is refused, and nothing is written', async () => {
    const p = await product(5);
    await expect(
      changeStock(database, p._id, { onHand: 9, expectedOnHand: 4, reason: 'recount', by: 'admin-1' }),
    ).rejects.toMatchObject({ code: 'STALE_STOCK' });
    expect(await levels(p._id)).toEqual({ available: 5, reserved: 0, markers: 0 });
    expect(await database.collections.inventoryAdjustments.countDocuments({ productId: p._id })).toBe(0);
  });

  it('a delta never takes reserved units, and every change is audited', async () => {
    const p = await product(5);
    await order(p._id, 4);
    await expect(changeStock(database, p._id, { delta: -2, reason: 'damaged', by: 'admin-1' })).rejects.toMatchObject({
      code: 'STOCK_RESERVED',
    });
    const { levels: after } = await changeStock(database, p._id, { delta: 3, reason: 'delivery', by: 'admin-2' });
    expect(after).toEqual({ onHand: 8, reserved: 4, available: 4 });
    const audit = await database.collections.inventoryAdjustments.find({ productId: p._id }).sort({ createdAt: 1 }).toArray();
    expect(audit.map((a) => [a.delta, a.status, a.by, a.reason])).toEqual([
      [-2, 'rejected', 'admin-1', 'damaged'],
      [3, 'applied', 'admin-2', 'delivery'],
    ]);
    expect(audit[1]).toMatchObject({ onHandBefore: 5, onHandAfter: 8 });
  });

  it('an adjustment is applied once however often it is retried (a crash after the product update)', async () => {
    const p = await product(1);
    await recordAdjustment(database, { _id: 'restock-test-1', productId: p._id, delta: 2, kind: 'restock', reason: 'refund', by: 'stripe' });
    // The product update happened, the record was never marked: the marker says so.
    await database.collections.products.updateOne(
      { _id: p._id },
      { $inc: { stock: 2 }, $set: { 'applied.restock-test-1': 2 } },
    );
    expect((await applyAdjustment(database, 'restock-test-1'))?.status).toBe('applied');
    expect((await applyAdjustment(database, 'restock-test-1'))?.status).toBe('applied');
    const doc = await database.collections.products.findOne({ _id: p._id });
    expect(doc?.stock).toBe(3);
    expect(doc?.applied ?? {}).toEqual({ 'restock-test-1': 2 });
  });
});
