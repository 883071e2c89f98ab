import { connectDatabase, ObjectId, type Database, type ReservationDoc } from '@simple-shop/db';
import { productDoc, testEnv } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumeReservations,
  orderHexOfReservation,
  releaseReservations,
  reservationId,
  reserveMissing,
  reserveStock,
  resolveOrphanHold,
  settleReservation,
} from './reservations';

/**
 * The reservation ledger step by step on a real MongoDB-protocol server: the exact counters and
 * markers each step leaves on the product, and that repeating a step changes nothing.
 */
let database: Database;
beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'ledger-test' });
});
afterAll(async () => database?.close());

async function product(stock: number, extra: Parameters<typeof productDoc>[0] = {}) {
  const doc = productDoc({ stock, reserved: 0, ...extra });
  await database.collections.products.insertOne(doc);
  return doc._id;
}
const levels = async (id: ObjectId) => {
  const doc = await database.collections.products.findOne({ _id: id });
  return { available: doc!.stock, reserved: doc!.reserved ?? 0, holds: doc!.holds ?? {} };
};
const reservation = async (id: string) => database.collections.reservations.findOne({ _id: id });

describe('reservation ids', () => {
  it('are order-product-attempt, and only well-formed ones name their order', () => {
    const orderId = new ObjectId('65a000000000000000000001');
    const productId = new ObjectId('65a0000000000000000000b1');
    expect(reservationId(orderId, productId)).toBe('65a000000000000000000001-65a0000000000000000000b1-1');
    expect(reservationId(orderId, productId, 3)).toBe('65a000000000000000000001-65a0000000000000000000b1-3');
    expect(orderHexOfReservation('65a000000000000000000001-65a0000000000000000000b1-12')).toBe(
      '65a000000000000000000001',
    );
    for (const bad of [
      'x65a000000000000000000001-65a0000000000000000000b1-1',
      '65a000000000000000000001-65a0000000000000000000b1-1x',
      '65a000000000000000000001-65a0000000000000000000b1-',
      '65a000000000000000000001-65a0000000000000000000b1',
      '65A000000000000000000001-65a0000000000000000000b1-1',
      '65a00000000000000000001-65a0000000000000000000b1-1',
      '65a000000000000000000001-65a000000000000000000b1-1',
      '65a000000000000000000001',
    ]) {
      expect(orderHexOfReservation(bad), bad).toBeNull();
    }
  });
});

describe('reserving', () => {
  it('takes exactly the available units (not one more), marks the product and writes held records', async () => {
    const a = await product(3);
    const b = await product(5);
    const orderId = new ObjectId();
    const result = await reserveStock(database, orderId, [
      { productId: a, quantity: 3 },
      { productId: b, quantity: 2 },
    ]);
    expect(result.ok).toBe(true);
    const idA = reservationId(orderId, a);
    expect(await levels(a)).toEqual({ available: 0, reserved: 3, holds: { [idA]: 3 } });
    expect(await levels(b)).toEqual({ available: 3, reserved: 2, holds: { [reservationId(orderId, b)]: 2 } });
    expect(await reservation(idA)).toMatchObject({
      orderId,
      productId: a,
      quantity: 3,
      status: 'held',
      settled: false,
    });
  });

  it('all or nothing: a short line gives back what the others took and reports what is available', async () => {
    const plenty = await product(10);
    const few = await product(2);
    const inactive = await product(9, { active: false });
    const deleted = await product(9, { deletedAt: new Date() });
    const orderId = new ObjectId();
    const result = await reserveStock(database, orderId, [
      { productId: plenty, quantity: 4 },
      { productId: few, quantity: 3 },
      { productId: inactive, quantity: 1 },
    ]);
    expect(result).toEqual({
      ok: false,
      short: [
        { productId: few.toHexString(), requested: 3, available: 2 },
        { productId: inactive.toHexString(), requested: 1, available: 0 },
      ],
    });
    expect(await levels(plenty)).toEqual({ available: 10, reserved: 0, holds: {} });
    expect(await levels(few)).toEqual({ available: 2, reserved: 0, holds: {} });
    expect(await database.collections.reservations.countDocuments({ orderId })).toBe(0);

    const gone = await reserveStock(database, new ObjectId(), [
      { productId: deleted, quantity: 20 },
      { productId: new ObjectId(), quantity: 1 },
    ]);
    expect(gone.ok).toBe(false);
    if (!gone.ok) expect(gone.short.map((s) => s.available)).toEqual([0, 0]);
  });

  it('the same reservation cannot be taken twice (its marker guards it)', async () => {
    const p = await product(10);
    const orderId = new ObjectId();
    expect((await reserveStock(database, orderId, [{ productId: p, quantity: 2 }])).ok).toBe(true);
    const again = await reserveStock(database, orderId, [{ productId: p, quantity: 2 }]).catch((e: unknown) => e);
    expect(again).toMatchObject({ ok: false });
    expect(await levels(p)).toMatchObject({ available: 8, reserved: 2 });
  });
});

describe('paying, releasing and settling', () => {
  it('consumes only a held reservation of the same quantity, once; settling a sale leaves available alone', async () => {
    const p = await product(10);
    const orderId = new ObjectId();
    await reserveStock(database, orderId, [{ productId: p, quantity: 4 }]);
    const id = reservationId(orderId, p);
    await database.client.withSession(async (session) => {
      expect(await consumeReservations(database, orderId, [{ productId: p, quantity: 5 }], session)).toEqual([
        { productId: p, quantity: 5 },
      ]);
      expect(await consumeReservations(database, orderId, [{ productId: p, quantity: 4 }], session)).toEqual([]);
      expect(await consumeReservations(database, orderId, [{ productId: p, quantity: 4 }], session)).toEqual([
        { productId: p, quantity: 4 },
      ]);
    });
    expect(await reservation(id)).toMatchObject({ status: 'consumed', settled: false });
    expect(await levels(p)).toEqual({ available: 6, reserved: 4, holds: { [id]: 4 } });

    const consumed = (await reservation(id)) as ReservationDoc;
    expect(await settleReservation(database, consumed)).toBe(false);
    expect(await levels(p)).toEqual({ available: 6, reserved: 0, holds: {} });
    expect(await reservation(id)).toMatchObject({ settled: true });
    expect(await settleReservation(database, { ...consumed, settled: false })).toBe(false);
    expect(await levels(p)).toEqual({ available: 6, reserved: 0, holds: {} });
  });

  it('a release gives the units back once and reports the product; held and settled ones are left alone', async () => {
    const p = await product(10);
    const orderId = new ObjectId();
    await reserveStock(database, orderId, [{ productId: p, quantity: 3 }]);
    const id = reservationId(orderId, p);
    const held = (await reservation(id)) as ReservationDoc;
    expect(await settleReservation(database, held)).toBe(false);
    expect(await settleReservation(database, { ...held, status: 'released', settled: true })).toBe(false);
    expect(await levels(p)).toMatchObject({ available: 7, reserved: 3 });

    expect(await releaseReservations(database, orderId)).toEqual([p]);
    expect(await levels(p)).toEqual({ available: 10, reserved: 0, holds: {} });
    expect(await reservation(id)).toMatchObject({ status: 'released', settled: true });
    expect(await releaseReservations(database, orderId)).toEqual([]);
    expect(await levels(p)).toEqual({ available: 10, reserved: 0, holds: {} });
  });

  it('a late payment re-reserves released lines under a new attempt, and reports lines that are gone', async () => {
    const p = await product(5);
    const q = await product(5);
    const orderId = new ObjectId();
    const lines = [
      { productId: p, quantity: 2 },
      { productId: q, quantity: 1 },
    ];
    await reserveStock(database, orderId, lines);
    expect(await reserveMissing(database, orderId, lines)).toEqual({ short: [], retaken: [] });
    await releaseReservations(database, orderId);

    const again = await reserveMissing(database, orderId, lines);
    expect(again).toEqual({ short: [], retaken: [p, q] });
    const [retaken] = await database.collections.reservations.find({ orderId, productId: p, status: 'held' }).toArray();
    expect(retaken).toMatchObject({ status: 'held', quantity: 2 });
    expect(retaken!._id).not.toBe(reservationId(orderId, p, 1));
    expect(await levels(p)).toMatchObject({ available: 3, reserved: 2, holds: { [retaken!._id]: 2 } });

    await releaseReservations(database, orderId);
    await database.collections.products.updateOne({ _id: q }, { $set: { stock: 0 } });
    const short = await reserveMissing(database, orderId, lines);
    expect(short).toEqual({ short: [{ productId: q.toHexString(), requested: 1, available: 0 }], retaken: [] });
    expect(await database.collections.reservations.countDocuments({ orderId })).toBe(4);
    expect(await levels(p)).toMatchObject({ available: 5, reserved: 0, holds: {} });
  });

  it('two deliveries of one late payment re-reserving at once get their own ids: neither is told the stock is short', async () => {
    const p = await product(5);
    const orderId = new ObjectId();
    const lines = [{ productId: p, quantity: 2 }];
    await reserveStock(database, orderId, lines);
    await releaseReservations(database, orderId);

    const both = await Promise.all([reserveMissing(database, orderId, lines), reserveMissing(database, orderId, lines)]);
    expect(both).toEqual([
      { short: [], retaken: [p] },
      { short: [], retaken: [p] },
    ]);
    const held = await database.collections.reservations.find({ orderId, status: 'held' }).toArray();
    expect(new Set(held.map((r) => r._id)).size).toBe(2);
    // One of them is surplus; whichever payment loses gives it back (see payOrder).
    expect(await levels(p)).toMatchObject({ available: 1, reserved: 4 });
  });
});

describe('one order at a time', () => {
  it("paying, releasing and settling one order never touch another order's reservations", async () => {
    const p = await product(20);
    const mine = new ObjectId();
    const theirs = new ObjectId();
    const ended = new ObjectId();
    await reserveStock(database, mine, [{ productId: p, quantity: 2 }]);
    await reserveStock(database, theirs, [{ productId: p, quantity: 3 }]);
    await reserveStock(database, ended, [{ productId: p, quantity: 4 }]);
    // Another order's sale, consumed but not settled yet (its settling is that order's business).
    await database.collections.reservations.updateOne(
      { _id: reservationId(ended, p) },
      { $set: { status: 'consumed' } },
    );
    await database.transaction(async (session) => {
      expect(await consumeReservations(database, mine, [{ productId: p, quantity: 2 }], session)).toEqual([]);
    });
    expect(await reservation(reservationId(theirs, p))).toMatchObject({ status: 'held', settled: false });
    expect(await releaseReservations(database, mine)).toEqual([]);
    expect(await reservation(reservationId(theirs, p))).toMatchObject({ status: 'held', settled: false });
    expect(await reservation(reservationId(ended, p))).toMatchObject({ status: 'consumed', settled: false });
    // Only this order's sale was settled (its 2 units left `reserved`); the other sale still counts.
    expect(await reservation(reservationId(mine, p))).toMatchObject({ status: 'consumed', settled: true });
    expect(await levels(p)).toMatchObject({ available: 11, reserved: 7 });
  });

  it('an aborted payment transaction leaves the reservation held', async () => {
    const p = await product(5);
    const orderId = new ObjectId();
    await reserveStock(database, orderId, [{ productId: p, quantity: 1 }]);
    const aborted = database.transaction(async (session) => {
      expect(await consumeReservations(database, orderId, [{ productId: p, quantity: 1 }], session)).toEqual([]);
      throw new Error('amount mismatch found after consuming');
    });
    await expect(aborted).rejects.toThrow('amount mismatch found after consuming');
    expect(await reservation(reservationId(orderId, p))).toMatchObject({ status: 'held' });
  });
});

describe('orphan markers', () => {
  it('of an order that does not exist are released; of one that does, adopted as held records', async () => {
    const p = await product(10);
    const lostOrder = new ObjectId();
    await reserveStock(database, lostOrder, [{ productId: p, quantity: 3 }]);
    const lostId = reservationId(lostOrder, p);
    await database.collections.reservations.deleteOne({ _id: lostId });
    expect(await resolveOrphanHold(database, p, lostId, 3, false)).toBe(true);
    expect(await levels(p)).toEqual({ available: 10, reserved: 0, holds: {} });
    expect(await resolveOrphanHold(database, p, lostId, 3, false)).toBe(false);

    const liveOrder = new ObjectId();
    await reserveStock(database, liveOrder, [{ productId: p, quantity: 2 }]);
    const liveId = reservationId(liveOrder, p);
    await database.collections.reservations.deleteOne({ _id: liveId });
    expect(await resolveOrphanHold(database, p, liveId, 2, true)).toBe(false);
    expect(await reservation(liveId)).toMatchObject({
      orderId: liveOrder,
      productId: p,
      quantity: 2,
      status: 'held',
      settled: false,
    });
    expect(await levels(p)).toMatchObject({ available: 8, reserved: 2 });

    expect(await resolveOrphanHold(database, p, 'not-a-reservation', 2, true)).toBe(false);
    expect(await reservation('not-a-reservation')).toBeNull();
  });
});
