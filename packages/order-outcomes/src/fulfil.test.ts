import { connectDatabase, ObjectId, type Database, type OrderDoc } from '@simple-shop/db';
import { createOrder } from '@simple-shop/orders';
import { productDoc, testEnv } from '@simple-shop/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeDeps } from './deps';
import { completeFulfilment, FulfilmentConflictError, OrderMissingError, shipOrder } from './fulfil';
import { insertCustomer } from './outcomes.test-support';

/** Shipping, delivery and returns called directly on a real MongoDB-protocol server. */
let database: Database;
let deps: OutcomeDeps;

beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'fulfil-test' });
  deps = { database, stripe: null, log: pino({ level: 'silent' }) };
});
afterAll(async () => database?.close());

async function order(status: OrderDoc['status'], options: { customer?: boolean; legacy?: boolean } = {}) {
  const product = productDoc({ stock: 5, reserved: 0, price: 2500 });
  await database.collections.products.insertOne(product);
  const userId = new ObjectId();
  if (options.customer !== false) await insertCustomer(database, userId);
  const created = await createOrder(database, {
    userId,
    lines: [{ productId: product._id, quantity: 2 }],
    ttlSeconds: 3600,
  });
  await database.collections.orders.updateOne(
    { _id: created._id },
    options.legacy ? { $set: { status }, $unset: { fulfilmentStatus: '' } } : { $set: { status } },
  );
  return { id: created._id, product, userId };
}
const read = async (id: ObjectId) => (await database.collections.orders.findOne({ _id: id }))!;
const emailsOf = (id: ObjectId) => database.collections.emailOutbox.find({ subjectId: id.toHexString() }).toArray();
const shipment = { carrier: 'DHL', trackingNumber: 'JD0001', trackingUrl: 'https://track.test/JD0001' };

describe('shipping', () => {
  it('ships a paid order once: tracking stored, a timeline entry, one shipped email; the product untouched', async () => {
    const { id, product, userId } = await order('paid');
    const before = await database.collections.products.findOne({ _id: product._id });
    const shipped = await shipOrder(deps, id, shipment, 'admin:1');
    expect(shipped.outcome).toBe('shipped');
    expect(shipped.stockChanged).toEqual([]);
    expect(shipped.outboxIds).toHaveLength(1);
    const doc = await read(id);
    expect(shipped.order?.fulfilmentStatus).toBe('shipped');
    expect(doc.fulfilmentStatus).toBe('shipped');
    expect(doc.status).toBe('paid');
    expect(doc.fulfilment).toMatchObject({
      carrier: 'DHL',
      trackingNumber: 'JD0001',
      trackingUrl: shipment.trackingUrl,
    });
    expect(doc.fulfilment?.shippedAt).toBeInstanceOf(Date);
    const entry = doc.timeline!.at(-1)!;
    expect(entry).toMatchObject({
      by: 'admin:1',
      kind: 'fulfilment',
      from: 'unfulfilled',
      to: 'shipped',
      note: 'DHL JD0001',
    });
    const emails = await emailsOf(id);
    expect(emails.map((e) => e.kind)).toEqual(['order_shipped']);
    expect(emails[0]).toMatchObject({ to: `${userId.toHexString()}@example.test`, subject: 'Order shipped' });
    expect(emails[0]!.data).toMatchObject({ carrier: 'DHL', trackingNumber: 'JD0001', total: 5000, currency: 'usd' });
    expect(await database.collections.products.findOne({ _id: product._id })).toEqual(before);

    await expect(shipOrder(deps, id, shipment, 'admin:2')).rejects.toThrow(FulfilmentConflictError);
    expect((await read(id)).timeline).toHaveLength(doc.timeline!.length);
    expect(await emailsOf(id)).toHaveLength(1);
  });

  it('ships an order written before fulfilment existed (no fulfilment field) and stores no empty tracking URL', async () => {
    const { id } = await order('paid', { legacy: true });
    await shipOrder(deps, id, { carrier: 'UPS', trackingNumber: '1Z' }, 'admin:1');
    const doc = await read(id);
    expect(doc.fulfilmentStatus).toBe('shipped');
    expect(doc.fulfilment).not.toHaveProperty('trackingUrl');
  });

  it('refuses to ship an unpaid, cancelled or refunded order with INVALID_STATE, writing nothing', async () => {
    for (const status of ['pending_payment', 'cancelled', 'refunded'] as const) {
      const { id } = await order(status);
      const before = await read(id);
      const error = await shipOrder(deps, id, shipment, 'admin:1').catch((e: unknown) => e);
      expect(error, status).toBeInstanceOf(FulfilmentConflictError);
      expect(error).toMatchObject({ code: 'INVALID_STATE', message: `a ${status} order cannot be shipped` });
      expect(await read(id)).toEqual(before);
      expect(await emailsOf(id)).toEqual([]);
    }
  });

  it('ships an order whose customer is gone without an email', async () => {
    const { id } = await order('paid', { customer: false });
    const shipped = await shipOrder(deps, id, shipment, 'admin:1');
    expect(shipped.outboxIds).toEqual([]);
    expect((await read(id)).fulfilmentStatus).toBe('shipped');
  });

  it('names a missing order', async () => {
    const missing = new ObjectId();
    await expect(shipOrder(deps, missing, shipment, 'admin:1')).rejects.toThrow(
      new OrderMissingError(`order ${missing.toHexString()} not found`),
    );
  });
});

describe('delivery and returns', () => {
  it('records delivery, then a return, each with its date and timeline entry', async () => {
    const { id } = await order('paid');
    await shipOrder(deps, id, shipment, 'admin:1');
    const delivered = await completeFulfilment(deps, id, 'delivered', 'carrier', 'left at the door');
    expect(delivered).toMatchObject({ outcome: 'delivered', outboxIds: [], stockChanged: [] });
    let doc = await read(id);
    expect(doc.fulfilmentStatus).toBe('delivered');
    expect(doc.fulfilment?.deliveredAt).toBeInstanceOf(Date);
    expect(doc.fulfilment).not.toHaveProperty('returnedAt');
    expect(doc.timeline!.at(-1)).toMatchObject({
      by: 'carrier',
      from: 'shipped',
      to: 'delivered',
      note: 'left at the door',
    });

    const returned = await completeFulfilment(deps, id, 'returned', 'admin:1');
    expect(returned.outcome).toBe('returned');
    doc = await read(id);
    expect(doc.fulfilmentStatus).toBe('returned');
    expect(doc.fulfilment?.returnedAt).toBeInstanceOf(Date);
    expect(doc.fulfilment?.deliveredAt).toBeInstanceOf(Date);
    expect(doc.timeline!.at(-1)).not.toHaveProperty('note');
    expect(doc.timeline!.at(-1)).toMatchObject({ from: 'delivered', to: 'returned' });
  });

  it('accepts delivery of a shipped order refunded since, and refuses delivering an unshipped one', async () => {
    const { id } = await order('paid');
    await shipOrder(deps, id, shipment, 'admin:1');
    await database.collections.orders.updateOne({ _id: id }, { $set: { status: 'refunded' } });
    expect((await completeFulfilment(deps, id, 'delivered', 'carrier')).outcome).toBe('delivered');

    const unshipped = await order('paid');
    const error = await completeFulfilment(deps, unshipped.id, 'delivered', 'carrier').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INVALID_STATE',
      message: 'fulfilment cannot move from unfulfilled to delivered',
    });
    expect((await read(unshipped.id)).fulfilmentStatus).toBe('unfulfilled');
  });
});

describe('what fulfilment logs', () => {
  it('one line per move, naming the order (and the carrier when shipped)', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info', base: null, timestamp: false }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const { id } = await order('paid');
    await shipOrder({ ...deps, log }, id, shipment, 'admin:1');
    await completeFulfilment({ ...deps, log }, id, 'delivered', 'carrier');
    await completeFulfilment({ ...deps, log }, id, 'returned', 'admin:1');
    const orderId = id.toHexString();
    expect(lines).toEqual([
      { level: 30, orderId, carrier: 'DHL', msg: 'order shipped' },
      { level: 30, orderId, fulfilment: 'delivered', msg: 'order delivered' },
      { level: 30, orderId, fulfilment: 'returned', msg: 'order returned' },
    ]);
  });
});

describe('a missing order', () => {
  it('is an OrderMissingError, by name too (the API maps it to 404, logs show the name)', async () => {
    const error = await completeFulfilment(deps, new ObjectId(), 'delivered', 'carrier').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderMissingError);
    expect(error).toMatchObject({ name: 'OrderMissingError' });
  });
});
