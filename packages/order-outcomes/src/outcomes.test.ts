import { connectDatabase, ObjectId, type Database, type OrderDoc } from '@simple-shop/db';
import { createOrder, endUnpaidOrder, changeStock } from '@simple-shop/orders';
import { checkoutSessionParams, createStripeClient, type Stripe } from '@simple-shop/payments';
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { productDoc, testEnv } from '@simple-shop/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeDeps } from './deps';
import { cancelOrder, expireOrder, failPayment } from './end-unpaid';
import { payOrder } from './pay-order';
import { recordStripeRefund } from './refund';
import { insertCustomer } from './outcomes.test-support';

/** Each order outcome called directly, on a real MongoDB-protocol server and the Stripe simulator. */
let sim: StripeSimulator;
let database: Database;
let stripe: Stripe;
let deps: OutcomeDeps;

beforeAll(async () => {
  sim = await startStripeSimulator({ apiKeys: ['sk_test_simulator'], webhookSecret: 'whsec_outcomes_test' });
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'outcomes-test' });
  stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_API_BASE: sim.url })!;
  deps = { database, stripe, log: pino({ level: 'silent' }) };
});
afterAll(async () => {
  await database?.close();
  await sim?.close();
});

async function setup(stock: number, quantity: number) {
  const product = productDoc({ stock, reserved: 0, price: 1500 });
  await database.collections.products.insertOne(product);
  const userId = new ObjectId();
  await insertCustomer(database, userId);
  const order = await createOrder(database, { userId, lines: [{ productId: product._id, quantity }], ttlSeconds: 3600 });
  const session = await stripe.checkout.sessions.create(
    checkoutSessionParams(order, {
      successUrl: 'http://shop.test/ok',
      cancelUrl: 'http://shop.test/cancel',
      expiresAt: new Date(Date.now() + 3600_000),
    }),
  );
  await database.collections.orders.updateOne({ _id: order._id }, { $set: { checkoutSessionId: session.id } });
  return { product, order: { ...order, checkoutSessionId: session.id } as OrderDoc, sessionId: session.id };
}
const levels = async (id: ObjectId) => {
  const p = await database.collections.products.findOne({ _id: id });
  return { available: p!.stock, reserved: p!.reserved ?? 0 };
};
const paidSession = async (sessionId: string) => {
  await sim.pay(sessionId);
  return stripe.checkout.sessions.retrieve(sessionId);
};

describe('payOrder', () => {
  it('pays once: order paid, reservation consumed and settled, one confirmation email, available unchanged', async () => {
    const { product, order, sessionId } = await setup(5, 2);
    const session = await paidSession(sessionId);
    const first = await payOrder(deps, session);
    expect(first).toMatchObject({ outcome: 'paid', outboxIds: [`order_confirmation:${order._id.toHexString()}`], stockChanged: [] });
    expect(first.order?.status).toBe('paid');
    expect(await levels(product._id)).toEqual({ available: 3, reserved: 0 });
    expect(await payOrder(deps, session)).toMatchObject({ outcome: 'already_paid', outboxIds: [] });
    expect(await database.collections.payments.countDocuments({ orderId: order._id, status: 'succeeded' })).toBe(1);
  });

  it('a paid amount that differs from the order moves it to needs_review and keeps the reservation', async () => {
    const { product, sessionId } = await setup(5, 1);
    const session = await paidSession(sessionId);
    const outcome = await payOrder(deps, { ...session, amount_total: (session.amount_total ?? 0) - 1 });
    expect(outcome.outcome).toBe('amount_mismatch');
    expect(outcome.order?.status).toBe('needs_review');
    expect(await levels(product._id)).toEqual({ available: 4, reserved: 1 });
  });

  it('a late payment whose units were sold meanwhile is refunded once, and nothing is taken from stock', async () => {
    const { product, order, sessionId } = await setup(1, 1);
    await endUnpaidOrder(database, order._id, 'expired', 'test');
    await changeStock(database, product._id, { delta: -1, reason: 'sold in the shop', by: 'test' });
    const outcome = await payOrder(deps, await paidSession(sessionId));
    expect(outcome.outcome).toBe('refunded_out_of_stock');
    expect(outcome.outboxIds).toEqual([`order_refunded:${order._id.toHexString()}`]);
    expect(sim.refunds().filter((r) => r.metadata?.orderId === order._id.toHexString())).toHaveLength(1);
    expect(await levels(product._id)).toEqual({ available: 0, reserved: 0 });
  });

  it('a late payment whose units are still there re-reserves and pays', async () => {
    const { product, order, sessionId } = await setup(2, 2);
    await endUnpaidOrder(database, order._id, 'expired', 'test');
    const outcome = await payOrder(deps, await paidSession(sessionId));
    expect(outcome).toMatchObject({ outcome: 'paid', stockChanged: [product._id] });
    expect(await levels(product._id)).toEqual({ available: 0, reserved: 0 });
  });
});

describe('ending unpaid orders', () => {
  it('expireOrder releases once and reports the product whose stock came back', async () => {
    const { product, order, sessionId } = await setup(4, 3);
    expect(await expireOrder(deps, order._id, sessionId)).toMatchObject({ outcome: 'expired', stockChanged: [product._id] });
    expect(await expireOrder(deps, order._id, sessionId)).toMatchObject({ outcome: 'unchanged', stockChanged: [] });
    expect(await levels(product._id)).toEqual({ available: 4, reserved: 0 });
  });

  it('failPayment releases and records one payment-failed email', async () => {
    const { product, order } = await setup(4, 1);
    const outcome = await failPayment(deps, order._id, 'card declined');
    expect(outcome).toMatchObject({ outcome: 'failed', outboxIds: [`payment_failed:${order._id.toHexString()}`] });
    expect((await failPayment(deps, order._id, 'card declined')).outcome).toBe('unchanged');
    expect(await levels(product._id)).toEqual({ available: 4, reserved: 0 });
  });

  it('cancelOrder of an unpaid order closes its session on Stripe first, then releases', async () => {
    const { product, order, sessionId } = await setup(3, 2);
    const outcome = await cancelOrder(deps, order);
    expect(outcome).toMatchObject({ outcome: 'cancelled', stockChanged: [product._id] });
    expect(sim.sessions().find((s) => s.id === sessionId)?.status).toBe('expired');
    expect(await levels(product._id)).toEqual({ available: 3, reserved: 0 });
  });

  it('cancelOrder of an order paid on Stripe but not yet recorded is refused with PAYMENT_IN_PROGRESS', async () => {
    const { order, sessionId } = await setup(3, 1);
    await sim.pay(sessionId);
    await expect(cancelOrder(deps, order)).rejects.toMatchObject({ code: 'PAYMENT_IN_PROGRESS' });
    expect((await database.collections.orders.findOne({ _id: order._id }))?.status).toBe('pending_payment');
  });
});

describe('refunds', () => {
  it('cancelOrder of a paid order refunds once through Stripe and restocks once', async () => {
    const { product, order, sessionId } = await setup(5, 2);
    const paid = await payOrder(deps, await paidSession(sessionId));
    expect(await levels(product._id)).toEqual({ available: 3, reserved: 0 });
    const outcome = await cancelOrder(deps, paid.order!);
    expect(outcome).toMatchObject({ outcome: 'refunded', stockChanged: [product._id] });
    expect(outcome.outboxIds).toEqual([`order_refunded:${order._id.toHexString()}`]);
    expect(await levels(product._id)).toEqual({ available: 5, reserved: 0 });
    expect((await cancelOrder(deps, outcome.order!)).outcome).toBe('unchanged');
    expect(sim.refunds().filter((r) => r.metadata?.orderId === order._id.toHexString())).toHaveLength(1);
    expect(await levels(product._id)).toEqual({ available: 5, reserved: 0 });
  });

  it('a refund made in the Stripe Dashboard (charge.refunded) refunds the order and restocks, once', async () => {
    const { product, sessionId } = await setup(5, 1);
    const session = await paidSession(sessionId);
    await payOrder(deps, session);
    const charge = { id: 'ch_dashboard', refunded: true, payment_intent: session.payment_intent as string, metadata: {} };
    expect((await recordStripeRefund(deps, charge)).outcome).toBe('refunded');
    expect((await recordStripeRefund(deps, charge)).outcome).toBe('unchanged');
    expect(await levels(product._id)).toEqual({ available: 5, reserved: 0 });
    expect((await recordStripeRefund(deps, { ...charge, refunded: false })).outcome).toBe('unchanged');
  });
});
