/**
 * A refund the shop asked Stripe for, whose `charge.refunded` webhook is processed before the shop
 * records the refund itself (the webhook can win the race; or the request died after Stripe made the
 * refund). The webhook must record it as the shop asked, from the refund's metadata: the restock
 * choice, reason and requester, under the refund's own id, so the shop's late commit changes nothing.
 */
import { connectDatabase, ObjectId, type Database, type OrderDoc } from '@simple-shop/db';
import { createOrder } from '@simple-shop/orders';
import { checkoutSessionParams, createStripeClient, refundIdempotencyKey, type Stripe } from '@simple-shop/payments';
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { productDoc, testEnv } from '@simple-shop/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeDeps } from './deps';
import { payOrder } from './pay-order';
import { commitRefund, recordStripeRefund } from './refund';
import { insertCustomer } from './outcomes.test-support';

let sim: StripeSimulator;
let database: Database;
let stripe: Stripe;
let deps: OutcomeDeps;

beforeAll(async () => {
  sim = await startStripeSimulator({ apiKeys: ['sk_test_simulator'], webhookSecret: 'whsec_refund_race' });
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'refund-race-test' });
  stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_API_BASE: sim.url })!;
  deps = { database, stripe, log: pino({ level: 'silent' }) };
});
afterAll(async () => {
  await database?.close();
  await sim?.close();
});

async function paidOrder(stock: number, quantity: number) {
  const product = productDoc({ stock, reserved: 0, price: 2500 });
  await database.collections.products.insertOne(product);
  const userId = new ObjectId();
  await insertCustomer(database, userId);
  const order = await createOrder(database, {
    userId,
    lines: [{ productId: product._id, quantity }],
    ttlSeconds: 3600,
  });
  const session = await stripe.checkout.sessions.create(
    checkoutSessionParams(order, {
      successUrl: 'http://shop.test/ok',
      cancelUrl: 'http://shop.test/no',
      expiresAt: new Date(Date.now() + 3600_000),
    }),
  );
  await sim.pay(session.id);
  const paid = await payOrder(deps, await stripe.checkout.sessions.retrieve(session.id));
  expect(paid.outcome).toBe('paid');
  const payment = await database.collections.payments.findOne({ orderId: order._id });
  return { product, order: paid.order as OrderDoc, paymentIntentId: payment!.paymentIntentId! };
}

const levels = async (id: ObjectId) => {
  const p = await database.collections.products.findOne({ _id: id });
  return { available: p!.stock, reserved: p!.reserved ?? 0 };
};

async function chargeOf(paymentIntentId: string) {
  const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
  return stripe.charges.retrieve(intent.latest_charge as string);
}

describe('charge.refunded for a full refund the shop made but has not recorded yet', () => {
  it('records it as the shop asked (no restock), under the refund id; the shop’s late commit changes nothing', async () => {
    const { product, order, paymentIntentId } = await paidOrder(5, 2);
    const orderId = order._id.toHexString();
    expect(await levels(product._id)).toEqual({ available: 3, reserved: 0 });
    // What refundOrder sends for an admin's full refund without restock (the goods were not returned).
    const refund = await stripe.refunds.create(
      {
        payment_intent: paymentIntentId,
        metadata: { orderId, reason: 'lost in the post', restock: 'false', by: 'admin:ops' },
      },
      { idempotencyKey: refundIdempotencyKey(orderId) },
    );
    const charge = await chargeOf(paymentIntentId);
    expect(charge.refunded).toBe(true);

    const recorded = await recordStripeRefund(deps, charge);
    expect(recorded.outcome).toBe('refunded');
    const after = await database.collections.orders.findOne({ _id: order._id });
    expect([
      after?.status,
      after?.refundedAmount,
      after?.refundIds,
      after?.refunds?.map((r) => [r.amount, r.by, r.reason]),
    ]).toEqual(['refunded', 5000, [refund.id], [[5000, 'admin:ops', 'lost in the post']]]);
    expect(await levels(product._id)).toEqual({ available: 3, reserved: 0 });
    expect(await database.collections.inventoryAdjustments.countDocuments({ orderId: order._id })).toBe(0);

    // The shop's own commit of the same refund, late: nothing more.
    const late = await commitRefund(deps, order._id, {
      reason: 'lost in the post',
      restock: false,
      from: ['paid'],
      refundId: refund.id,
      paymentIntentId,
      by: 'admin:ops',
      amount: refund.amount,
    });
    expect(late.outcome).toBe('unchanged');
    expect((await recordStripeRefund(deps, charge)).outcome).toBe('unchanged');
    expect(await levels(product._id)).toEqual({ available: 3, reserved: 0 });
    expect((await database.collections.orders.findOne({ _id: order._id }))?.refunds).toHaveLength(1);
    expect(await database.collections.emailOutbox.countDocuments({ subjectId: orderId, kind: 'order_refunded' })).toBe(
      1,
    );
  });

  it('a full refund made in the Dashboard (no shop metadata) still refunds the order and puts the units back', async () => {
    const { product, order, paymentIntentId } = await paidOrder(4, 1);
    await stripe.refunds.create({ payment_intent: paymentIntentId });
    const charge = await chargeOf(paymentIntentId);
    expect((await recordStripeRefund(deps, charge)).outcome).toBe('refunded');
    const after = await database.collections.orders.findOne({ _id: order._id });
    expect([after?.status, after?.refunds?.map((r) => [r.amount, r.by])]).toEqual(['refunded', [[2500, 'stripe']]]);
    expect(await levels(product._id)).toEqual({ available: 4, reserved: 0 });
  });
});
