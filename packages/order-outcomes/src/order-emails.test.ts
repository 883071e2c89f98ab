/**
 * The order emails put in the outbox: one per (order, kind), one per partial refund, what each
 * carries, and none for an order whose customer is gone.
 */
import { connectDatabase, ObjectId, type Database, type OrderDoc } from '@simple-shop/db';
import { testEnv } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOrderEmail } from './order-emails';
import { insertCustomer } from './outcomes.test-support';

let database: Database;
beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'order-emails-test' });
});
afterAll(async () => database?.close());

async function order(withCustomer = true): Promise<OrderDoc> {
  const userId = new ObjectId();
  if (withCustomer) await insertCustomer(database, userId);
  const now = new Date();
  return {
    _id: new ObjectId(),
    userId,
    status: 'paid',
    items: [
      { productId: new ObjectId(), name: 'Teapot', quantity: 2, unitPrice: 1200 },
      { productId: new ObjectId(), name: 'Cup', quantity: 1, unitPrice: 600 },
    ],
    total: 3000,
    currency: 'eur',
    expiresAt: now,
    history: [],
    createdAt: now,
    updatedAt: now,
  };
}
const outbox = (id: string | null) => database.collections.emailOutbox.findOne({ _id: id ?? '' });

describe('recordOrderEmail', () => {
  it('each kind: its subject, the customer, the order snapshot and what the kind adds; one per (order, kind)', async () => {
    const o = await order();
    const id = o._id.toHexString();
    const base = {
      name: 'Ada',
      orderId: id,
      items: [
        { name: 'Teapot', quantity: 2, unitPrice: 1200 },
        { name: 'Cup', quantity: 1, unitPrice: 600 },
      ],
      total: 3000,
      currency: 'eur',
    };
    const to = `${o.userId.toHexString()}@example.test`;
    const shipment = { carrier: 'DHL', trackingNumber: 'T1' };

    expect(await recordOrderEmail(database, 'order_confirmation', o, {})).toBe(`order_confirmation:${id}`);
    expect(await recordOrderEmail(database, 'payment_failed', o, {})).toBe(`payment_failed:${id}`);
    expect(await recordOrderEmail(database, 'order_refunded', o, {})).toBe(`order_refunded:${id}`);
    expect(await recordOrderEmail(database, 'order_shipped', o, { shipment })).toBe(`order_shipped:${id}`);
    const emails = await database.collections.emailOutbox.find({ to }).sort({ _id: 1 }).toArray();
    expect(emails.map((e) => [e._id, e.kind, e.subject, e.subjectId, e.status, e.data])).toEqual([
      [`order_confirmation:${id}`, 'order_confirmation', 'Order confirmed', id, 'pending', base],
      [`order_refunded:${id}`, 'order_refunded', 'Order refunded', id, 'pending', { ...base, reason: 'refunded', refundId: '' }],
      [`order_shipped:${id}`, 'order_shipped', 'Order shipped', id, 'pending', { ...base, ...shipment }],
      [`payment_failed:${id}`, 'payment_failed', 'Payment failed', id, 'pending', { ...base, reason: 'payment declined' }],
    ]);

    // Again, with other details: still one email each, the first one kept.
    await recordOrderEmail(database, 'payment_failed', o, { reason: 'expired card' });
    expect(await database.collections.emailOutbox.countDocuments({ to })).toBe(4);
    expect((await outbox(`payment_failed:${id}`))?.data).toMatchObject({ reason: 'payment declined' });
  });

  it('refund emails: a partial refund is keyed by its refund id and carries its amount; the full one keeps the order key', async () => {
    const o = await order();
    const id = o._id.toHexString();
    const partial = await recordOrderEmail(database, 'order_refunded', o, {
      reason: 'broken',
      refundId: 're_1',
      amount: 0,
      partial: true,
    });
    expect(partial).toBe(`order_refunded:${id}:re_1`);
    expect(await outbox(partial)).toMatchObject({
      subjectId: `${id}:re_1`,
      data: { reason: 'broken', refundId: 're_1', amount: 0 },
    });
    const full = await recordOrderEmail(database, 'order_refunded', o, { refundId: 're_2', amount: 100, partial: false });
    expect(full).toBe(`order_refunded:${id}`);
    expect((await outbox(full))?.data).toMatchObject({ refundId: 're_2', amount: 100, reason: 'refunded' });
    // "Partial" without a refund id cannot be keyed per refund: it falls back to the order key (already used).
    expect(await recordOrderEmail(database, 'order_refunded', o, { partial: true })).toBe(`order_refunded:${id}`);
  });

  it('a shipped email needs the shipment; a customer who is gone gets no email', async () => {
    const o = await order();
    await expect(recordOrderEmail(database, 'order_shipped', o, {})).rejects.toThrow('a shipped email needs the shipment');
    expect(await outbox(`order_shipped:${o._id.toHexString()}`)).toBeNull();

    const orphan = await order(false);
    expect(await recordOrderEmail(database, 'order_confirmation', orphan, {})).toBeNull();
    expect(await outbox(`order_confirmation:${orphan._id.toHexString()}`)).toBeNull();
  });

  it('inside a transaction, the email is written with it (and rolled back with it)', async () => {
    const o = await order();
    await database
      .transaction(async (session) => {
        await recordOrderEmail(database, 'order_confirmation', o, {}, session);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await outbox(`order_confirmation:${o._id.toHexString()}`)).toBeNull();
    await database.transaction(async (session) => {
      await recordOrderEmail(database, 'order_confirmation', o, {}, session);
    });
    expect(await outbox(`order_confirmation:${o._id.toHexString()}`)).toMatchObject({ kind: 'order_confirmation' });
  });
});
