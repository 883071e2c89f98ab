/**
 * Admin stock changes and the adjustments under them, each asserted to its exact end state: the
 * product's levels, the audit record (kind, delta, status, on-hand before and after) and the error a
 * refused change gives the API (code, message, details).
 */
import { connectDatabase, ObjectId, type Database } from '@simple-shop/db';
import { productDoc, testEnv } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrder } from '../create-order';
import { InsufficientStockError, OrderError } from '../errors';
import { APPLIED_MARKER_RETENTION_MS, applyAdjustment, clearAppliedMarker, recordAdjustment } from './adjustments';
import { changeStock } from './admin-stock';

let database: Database;

beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'stock-changes-test' });
});
afterAll(async () => database?.close());

/** A product with `available` units for sale and `reserved` held by an order. */
async function product(available: number, reserved = 0) {
  const doc = productDoc({ stock: available + reserved, reserved: 0 });
  await database.collections.products.insertOne(doc);
  if (reserved > 0) {
    await createOrder(database, {
      userId: new ObjectId(),
      lines: [{ productId: doc._id, quantity: reserved }],
      ttlSeconds: 1800,
    });
  }
  return doc;
}

const productState = async (id: ObjectId) => {
  const doc = await database.collections.products.findOne({ _id: id });
  return { available: doc!.stock, reserved: doc!.reserved ?? 0, applied: doc!.applied ?? {} };
};

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OrderError);
  const { name, code, message, details } = error as OrderError;
  return { name, code, message, details };
};

describe('changeStock', () => {
  it('sets on hand: the delta is worked out from on hand (available + reserved), recorded as set_on_hand', async () => {
    const p = await product(6, 2);
    const { adjustment, levels } = await changeStock(database, p._id, { onHand: 12, by: 'admin:1', reason: 'count' });
    expect(levels).toEqual({ onHand: 12, reserved: 2, available: 10 });
    expect(adjustment).toMatchObject({
      productId: p._id,
      delta: 4,
      kind: 'set_on_hand',
      status: 'applied',
      reason: 'count',
      by: 'admin:1',
      onHandBefore: 8,
      onHandAfter: 12,
    });
    expect(adjustment.appliedAt).toBeInstanceOf(Date);
    // The marker stays for reconciliation to remove after its retention (see adjustments.ts).
    expect(await productState(p._id)).toEqual({ available: 10, reserved: 2, applied: { [adjustment._id]: 4 } });
  });

  it('sets on hand with the expected count the admin saw; a stale one is STALE_STOCK with both counts', async () => {
    const p = await product(5, 1);
    const applied = await changeStock(database, p._id, { onHand: 7, expectedOnHand: 6, by: 'admin:1', reason: 'count' });
    expect(applied.levels).toEqual({ onHand: 7, reserved: 1, available: 6 });
    expect(
      await refusal(changeStock(database, p._id, { onHand: 9, expectedOnHand: 6, by: 'admin:1', reason: 'count' })),
    ).toEqual({
      name: 'OrderError',
      code: 'STALE_STOCK',
      message: 'On-hand stock is 7, not 6',
      details: { onHand: 7, expectedOnHand: 6 },
    });
    expect(await productState(p._id)).toEqual({ available: 6, reserved: 1, applied: { [applied.adjustment._id]: 1 } });
    expect(await database.collections.inventoryAdjustments.countDocuments({ productId: p._id })).toBe(1);
  });

  it('applies a delta as given, recorded as kind delta', async () => {
    const p = await product(3);
    const { adjustment, levels } = await changeStock(database, p._id, { delta: -2, by: 'admin:2', reason: 'broken' });
    expect([adjustment.kind, adjustment.delta, adjustment.onHandBefore, adjustment.onHandAfter]).toEqual([
      'delta',
      -2,
      3,
      1,
    ]);
    expect(levels).toEqual({ onHand: 1, reserved: 0, available: 1 });
  });

  it('sets available (the legacy stock field): the delta is from available alone, reserved units untouched', async () => {
    const p = await product(4, 3);
    const { adjustment, levels } = await changeStock(database, p._id, {
      available: 1,
      by: 'admin:3',
      reason: 'legacy',
    });
    expect([adjustment.kind, adjustment.delta]).toEqual(['delta', -3]);
    expect(levels).toEqual({ onHand: 4, reserved: 3, available: 1 });
  });

  it('refuses a change that would take reserved units: STOCK_RESERVED with the levels it saw, the record rejected', async () => {
    const p = await product(2, 3);
    expect(await refusal(changeStock(database, p._id, { delta: -4, by: 'admin:4', reason: 'lost' }))).toEqual({
      name: 'OrderError',
      code: 'STOCK_RESERVED',
      message: 'That change would take stock that shoppers have reserved',
      details: { reserved: 3, available: 2, delta: -4 },
    });
    expect(await productState(p._id)).toEqual({ available: 2, reserved: 3, applied: {} });
    const [record] = await database.collections.inventoryAdjustments.find({ productId: p._id }).toArray();
    expect(record).toMatchObject({ status: 'rejected', delta: -4 });
    expect(record).not.toHaveProperty('appliedAt');
    expect(record).not.toHaveProperty('onHandBefore');
    expect(record).not.toHaveProperty('onHandAfter');
  });

  it('STOCK_RESERVED reports 0 reserved for a product that never had a reservation field', async () => {
    const doc = productDoc({ stock: 1 });
    expect(doc).not.toHaveProperty('reserved');
    await database.collections.products.insertOne(doc);
    expect(
      (await refusal(changeStock(database, doc._id, { delta: -2, by: 'admin:4', reason: 'lost' }))).details,
    ).toEqual({
      reserved: 0,
      available: 1,
      delta: -2,
    });
  });

  it('taking exactly the available units is allowed (available may reach 0, not below)', async () => {
    const p = await product(2, 1);
    expect((await changeStock(database, p._id, { delta: -2, by: 'admin:5', reason: 'sold elsewhere' })).levels).toEqual(
      {
        onHand: 1,
        reserved: 1,
        available: 0,
      },
    );
  });

  it('a missing or deleted product is PRODUCT_NOT_FOUND naming it', async () => {
    const missing = new ObjectId();
    expect(await refusal(changeStock(database, missing, { delta: 1, by: 'admin:6', reason: 'x' }))).toEqual({
      name: 'OrderError',
      code: 'PRODUCT_NOT_FOUND',
      message: `Product ${missing.toHexString()} not found`,
      details: undefined,
    });
    const deleted = await product(5);
    await database.collections.products.updateOne({ _id: deleted._id }, { $set: { deletedAt: new Date() } });
    expect((await refusal(changeStock(database, deleted._id, { delta: 1, by: 'admin:6', reason: 'x' }))).code).toBe(
      'PRODUCT_NOT_FOUND',
    );
    expect(await productState(deleted._id)).toMatchObject({ available: 5 });
  });
});

describe('adjustments', () => {
  it('a restock records its order and is applied once', async () => {
    const p = await product(1);
    const orderId = new ObjectId();
    const id = `restock-test-${p._id.toHexString()}`;
    await recordAdjustment(database, {
      _id: id,
      productId: p._id,
      delta: 2,
      kind: 'restock',
      reason: 'r',
      by: 'system:test',
      orderId,
    });
    expect(await database.collections.inventoryAdjustments.findOne({ _id: id })).toMatchObject({
      orderId,
      status: 'pending',
    });
    expect((await applyAdjustment(database, id))?.status).toBe('applied');
    expect((await applyAdjustment(database, id))?.status).toBe('applied');
    expect(await productState(p._id)).toEqual({ available: 3, reserved: 0, applied: { [id]: 2 } });
  });

  it('an applier that read the record as pending before another finished it adds nothing: the marker outlives the marking', async () => {
    const p = await product(10);
    const id = `restock-stale-${p._id.toHexString()}`;
    await recordAdjustment(database, { _id: id, productId: p._id, delta: 3, kind: 'restock', reason: 'r', by: 'system:test' });
    expect((await applyAdjustment(database, id))?.status).toBe('applied');
    // The second applier (reconciliation, or another delivery of the refund) still sees the
    // record as it was when it read it: pending. Its product update must find the marker.
    await database.collections.inventoryAdjustments.updateOne({ _id: id }, { $set: { status: 'pending' } });
    expect((await applyAdjustment(database, id))?.status).toBe('applied');
    expect(await productState(p._id)).toEqual({ available: 13, reserved: 0, applied: { [id]: 3 } });
  });

  it('an applier that moved the product has the last word over one that found too little stock a moment before', async () => {
    const p = await product(5);
    const id = `delta-stale-${p._id.toHexString()}`;
    await recordAdjustment(database, { _id: id, productId: p._id, delta: -3, kind: 'delta', reason: 'r', by: 'admin:10' });
    const pending = await database.collections.inventoryAdjustments.findOne({ _id: id });
    // The first applier ran while a shopper held 4 of the 5 units: refused.
    await database.collections.products.updateOne({ _id: p._id }, { $inc: { stock: -4 } });
    expect((await applyAdjustment(database, id))?.status).toBe('rejected');
    await database.collections.products.updateOne({ _id: p._id }, { $inc: { stock: 4 } });
    // The second had read the record while it was still pending; the units are back when its update lands.
    const adjustments = database.collections.inventoryAdjustments;
    let first = true;
    const staleReader = new Proxy(adjustments, {
      get(target, prop, receiver) {
        if (prop !== 'findOne') return Reflect.get(target, prop, receiver) as unknown;
        return (...args: Parameters<typeof adjustments.findOne>) => {
          if (!first) return target.findOne(...args);
          first = false;
          return Promise.resolve(pending);
        };
      },
    });
    const view = { ...database, collections: { ...database.collections, inventoryAdjustments: staleReader } };
    const ended = await applyAdjustment(view, id);
    expect(ended).toMatchObject({ status: 'applied', onHandBefore: 5, onHandAfter: 2 });
    expect(ended?.appliedAt).toBeInstanceOf(Date);
    expect(await productState(p._id)).toEqual({ available: 2, reserved: 0, applied: { [id]: -3 } });
  });

  it('concurrent appliers of one adjustment move the product once', async () => {
    for (let round = 0; round < 10; round++) {
      const p = await product(10);
      const id = `restock-concurrent-${p._id.toHexString()}`;
      await recordAdjustment(database, { _id: id, productId: p._id, delta: 3, kind: 'restock', reason: 'r', by: 'system:test' });
      const ends = await Promise.all(Array.from({ length: 6 }, () => applyAdjustment(database, id)));
      expect(ends.map((e) => e?.status)).toEqual(Array(6).fill('applied'));
      expect(await productState(p._id)).toEqual({ available: 13, reserved: 0, applied: { [id]: 3 } });
    }
  });

  it('an adjustment without an order carries no orderId field', async () => {
    const p = await product(1);
    const id = new ObjectId().toHexString();
    await recordAdjustment(database, {
      _id: id,
      productId: p._id,
      delta: 1,
      kind: 'delta',
      reason: 'r',
      by: 'admin:7',
    });
    expect(await database.collections.inventoryAdjustments.findOne({ _id: id })).not.toHaveProperty('orderId');
  });

  it('a crash after the product update (marker left, record pending) is finished once: no second $inc, the marker kept for reconciliation', async () => {
    const p = await product(4);
    const id = new ObjectId().toHexString();
    await recordAdjustment(database, {
      _id: id,
      productId: p._id,
      delta: 3,
      kind: 'delta',
      reason: 'r',
      by: 'admin:8',
    });
    // What the product update did before the crash: units in and the marker set.
    await database.collections.products.updateOne(
      { _id: p._id },
      { $inc: { stock: 3 }, $set: { [`applied.${id}`]: 3 } },
    );
    const finished = await applyAdjustment(database, id);
    expect(finished).toMatchObject({ status: 'applied' });
    expect(finished?.appliedAt).toBeInstanceOf(Date);
    // The on-hand counts are only known by the call that moved the product.
    expect(finished).not.toHaveProperty('onHandBefore');
    expect(finished).not.toHaveProperty('onHandAfter');
    expect(await productState(p._id)).toEqual({ available: 7, reserved: 0, applied: { [id]: 3 } });
  });

  it('clearAppliedMarker: finishes a pending record, removes a marker once its record has been done for the retention, and reports what it did', async () => {
    const p = await product(2);
    const pending = new ObjectId().toHexString();
    await recordAdjustment(database, {
      _id: pending,
      productId: p._id,
      delta: 1,
      kind: 'delta',
      reason: 'r',
      by: 'admin:9',
    });
    expect(await clearAppliedMarker(database, p._id, pending)).toBe(true);
    const finished = await database.collections.inventoryAdjustments.findOne({ _id: pending });
    expect(finished?.status).toBe('applied');
    expect(await productState(p._id)).toEqual({ available: 3, reserved: 0, applied: { [pending]: 1 } });
    const markedAt = finished!.appliedAt!.getTime();
    // Kept until the retention is over, to the millisecond; then removed, once.
    const at = (ms: number) => new Date(markedAt + ms);
    expect(await clearAppliedMarker(database, p._id, pending, at(APPLIED_MARKER_RETENTION_MS - 1))).toBe(false);
    expect(await productState(p._id)).toEqual({ available: 3, reserved: 0, applied: { [pending]: 1 } });
    expect(await clearAppliedMarker(database, p._id, pending, at(APPLIED_MARKER_RETENTION_MS))).toBe(true);
    expect(await clearAppliedMarker(database, p._id, pending, at(APPLIED_MARKER_RETENTION_MS))).toBe(false);
    expect(await productState(p._id)).toEqual({ available: 3, reserved: 0, applied: {} });

    // A marker whose record is done, beside another product marker that must stay.
    const done = new ObjectId().toHexString();
    await recordAdjustment(database, {
      _id: done,
      productId: p._id,
      delta: 2,
      kind: 'delta',
      reason: 'r',
      by: 'admin:9',
    });
    await applyAdjustment(database, done);
    const other = new ObjectId().toHexString();
    await database.collections.products.updateOne(
      { _id: p._id },
      { $set: { [`applied.${done}`]: 2, [`applied.${other}`]: 1 } },
    );
    const later = new Date(Date.now() + APPLIED_MARKER_RETENTION_MS);
    expect(await clearAppliedMarker(database, p._id, done, later)).toBe(true);
    expect(await productState(p._id)).toEqual({ available: 5, reserved: 0, applied: { [other]: 1 } });
    expect(await clearAppliedMarker(database, p._id, done, later)).toBe(false);
    expect(await productState(p._id)).toEqual({ available: 5, reserved: 0, applied: { [other]: 1 } });
  });
});

describe('InsufficientStockError', () => {
  it('names every short product, carries the lines, and is an OrderError with code INSUFFICIENT_STOCK', () => {
    const a = new ObjectId().toHexString();
    const b = new ObjectId().toHexString();
    const short = [
      { productId: a, requested: 2, available: 1 },
      { productId: b, requested: 5, available: 0 },
    ];
    const error = new InsufficientStockError(short);
    expect(error).toBeInstanceOf(OrderError);
    expect([error.name, error.code, error.message, error.details, error.short]).toEqual([
      'OrderError',
      'INSUFFICIENT_STOCK',
      `Not enough stock for ${a}, ${b}`,
      { items: short },
      short,
    ]);
  });
});
