import { connectDatabase, ObjectId, type Database } from '@simple-shop/db';
import { productDoc, testEnv } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrder } from './create-order';
import { endUnpaidOrder, moveOrder } from './transitions';

/** Order status moves against a real MongoDB-protocol server: guarded by the state machine, once. */
let database: Database;

beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'transitions-test' });
});
afterAll(async () => database?.close());

async function pendingOrder(quantity = 2, stock = 10) {
  const product = productDoc({ stock, reserved: 0 });
  await database.collections.products.insertOne(product);
  const order = await createOrder(database, {
    userId: new ObjectId(),
    lines: [{ productId: product._id, quantity }],
    ttlSeconds: 1800,
  });
  return { order, product };
}
const statusOf = async (id: ObjectId) => (await database.collections.orders.findOne({ _id: id }))!.status;
const stockOf = async (id: ObjectId) => (await database.collections.products.findOne({ _id: id }))!.stock;

describe('moveOrder', () => {
  it('makes an allowed move, appends the history entry with its reason, and sets extra fields', async () => {
    const { order } = await pendingOrder();
    const moved = await moveOrder(database, order._id, 'needs_review', {
      reason: 'amount mismatch',
      set: { checkoutSessionId: 'cs_test_1' },
    });
    expect(moved).toMatchObject({
      status: 'needs_review',
      statusReason: 'amount mismatch',
      checkoutSessionId: 'cs_test_1',
    });
    expect(moved!.history.map((h) => [h.status, h.reason])).toEqual([
      ['pending_payment', undefined],
      ['needs_review', 'amount mismatch'],
    ]);
    expect(moved!.updatedAt.getTime()).toBeGreaterThanOrEqual(order.updatedAt.getTime());
  });

  it('refuses a move the state machine does not allow, and a missing order, writing nothing', async () => {
    const { order } = await pendingOrder();
    expect(await moveOrder(database, order._id, 'refunded')).not.toBeNull();
    // refunded is terminal.
    expect(await moveOrder(database, order._id, 'paid')).toBeNull();
    expect(await moveOrder(database, order._id, 'cancelled')).toBeNull();
    expect(await statusOf(order._id)).toBe('refunded');
    expect((await database.collections.orders.findOne({ _id: order._id }))!.history).toHaveLength(2);
    expect(await moveOrder(database, new ObjectId(), 'cancelled')).toBeNull();
  });

  it('narrows the allowed statuses with `from`', async () => {
    const { order } = await pendingOrder();
    // pending_payment -> paid is allowed by the machine, but not from the statuses the caller names.
    expect(await moveOrder(database, order._id, 'paid', { from: ['cancelled', 'expired'] })).toBeNull();
    expect(await statusOf(order._id)).toBe('pending_payment');
  });

  it('of concurrent moves from pending payment exactly one wins', async () => {
    const { order } = await pendingOrder();
    const results = await Promise.all(
      (['cancelled', 'expired', 'payment_failed', 'cancelled', 'expired'] as const).map((to) =>
        moveOrder(database, order._id, to, { from: ['pending_payment'] }),
      ),
    );
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect(await statusOf(order._id)).toBe(winners[0]!.status);
    expect((await database.collections.orders.findOne({ _id: order._id }))!.history).toHaveLength(2);
  });
});

describe('endUnpaidOrder', () => {
  it('ends a pending order and gives its units back once; a repeat or a later end changes nothing', async () => {
    const { order, product } = await pendingOrder(3, 10);
    expect(await stockOf(product._id)).toBe(7);
    const ended = await endUnpaidOrder(database, order._id, 'cancelled', 'customer cancelled');
    expect(ended?.order).toMatchObject({ status: 'cancelled', statusReason: 'customer cancelled' });
    expect(ended?.released.map((id) => id.toHexString())).toEqual([product._id.toHexString()]);
    expect(await stockOf(product._id)).toBe(10);

    expect(await endUnpaidOrder(database, order._id, 'cancelled', 'again')).toBeNull();
    expect(await endUnpaidOrder(database, order._id, 'expired', 'session expired')).toBeNull();
    expect(await stockOf(product._id)).toBe(10);
    expect(await statusOf(order._id)).toBe('cancelled');
  });

  it('does not end a paid order', async () => {
    const { order, product } = await pendingOrder(1, 5);
    await moveOrder(database, order._id, 'paid');
    expect(await endUnpaidOrder(database, order._id, 'expired', 'session expired')).toBeNull();
    expect(await statusOf(order._id)).toBe('paid');
    expect(await stockOf(product._id)).toBe(4);
  });
});
