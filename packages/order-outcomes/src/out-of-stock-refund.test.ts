/**
 * A payment that arrives after its order's units were sold is refunded. If the process dies after
 * Stripe made that refund but before the shop recorded it (or Stripe fails the refund), the event is
 * delivered again. Meanwhile the units may be back (a cancel, a restock). The retry must finish the
 * refund, not pay the order: paying would ship goods whose money Stripe has already returned.
 */
import { connectDatabase, ObjectId, type Database } from '@simple-shop/db';
import { changeStock, createOrder, endUnpaidOrder } from '@simple-shop/orders';
import { checkoutSessionParams, createStripeClient, type Stripe } from '@simple-shop/payments';
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { productDoc, testEnv } from '@simple-shop/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutcomeDeps } from './deps';
import { payOrder } from './pay-order';

let sim: StripeSimulator;
let database: Database;
let stripe: Stripe;
let deps: OutcomeDeps;

beforeAll(async () => {
  sim = await startStripeSimulator({ apiKeys: ['sk_test_simulator'], webhookSecret: 'whsec_out_of_stock' });
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'out-of-stock-test' });
  stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_API_BASE: sim.url })!;
  deps = { database, stripe, log: pino({ level: 'silent' }) };
});
afterAll(async () => {
  await database?.close();
  await sim?.close();
});

/** An order whose reservation lapsed and whose only unit was sold; its session then paid. */
async function paidTooLate() {
  const product = productDoc({ stock: 1, reserved: 0, price: 1800 });
  await database.collections.products.insertOne(product);
  const userId = new ObjectId();
  await database.collections.users.insertOne({
    _id: userId,
    email: `${userId.toHexString()}@example.test`,
    name: 'Noor',
    role: 'customer',
    passwordHash: 'x',
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  const order = await createOrder(database, {
    userId,
    lines: [{ productId: product._id, quantity: 1 }],
    ttlSeconds: 3600,
  });
  const session = await stripe.checkout.sessions.create(
    checkoutSessionParams(order, {
      successUrl: 'http://shop.test/ok',
      cancelUrl: 'http://shop.test/cancel',
      expiresAt: new Date(Date.now() + 3600_000),
    }),
  );
  await database.collections.orders.updateOne({ _id: order._id }, { $set: { checkoutSessionId: session.id } });
  await endUnpaidOrder(database, order._id, 'expired', 'test');
  await changeStock(database, product._id, { delta: -1, reason: 'sold in the shop', by: 'test' });
  await sim.pay(session.id);
  return { product, orderId: order._id, session: await stripe.checkout.sessions.retrieve(session.id) };
}

/** Deps whose process "dies" right after Stripe answers a refund: Stripe has refunded, nothing is recorded. */
function diesAfterStripeRefunds(): OutcomeDeps {
  const client = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_API_BASE: sim.url })!;
  const create = client.refunds.create.bind(client.refunds);
  client.refunds.create = (async (...args: Parameters<typeof create>) => {
    await create(...args);
    throw new Error('process died after Stripe refunded');
  }) as typeof client.refunds.create;
  return { ...deps, stripe: client };
}

async function endState(orderId: ObjectId, productId: ObjectId) {
  const order = await database.collections.orders.findOne({ _id: orderId });
  const product = await database.collections.products.findOne({ _id: productId });
  const payments = await database.collections.payments.find({ orderId }).toArray();
  return {
    status: order?.status,
    refundedAmount: order?.refundedAmount,
    refundIds: order?.refundIds,
    payments: payments.map((p) => [p.status, p.amount, p.amountRefunded]),
    stock: { available: product?.stock, reserved: product?.reserved ?? 0 },
    refundEmails: await database.collections.emailOutbox.countDocuments({
      subjectId: orderId.toHexString(),
      kind: 'order_refunded',
    }),
    confirmationEmails: await database.collections.emailOutbox.countDocuments({
      subjectId: orderId.toHexString(),
      kind: 'order_confirmation',
    }),
    stripeRefunds: sim
      .refunds()
      .filter((r) => r.metadata?.orderId === orderId.toHexString())
      .map((r) => r.amount),
  };
}

describe('an out-of-stock refund interrupted before the shop recorded it', () => {
  it('is finished by the next delivery even though the unit came back meanwhile: refunded once, never paid', async () => {
    const { product, orderId, session } = await paidTooLate();
    await expect(payOrder(diesAfterStripeRefunds(), session)).rejects.toThrow('process died after Stripe refunded');
    expect(sim.refunds().filter((r) => r.metadata?.orderId === orderId.toHexString())).toHaveLength(1);

    // The unit is back on sale (a cancelled order elsewhere) before the event is delivered again.
    await changeStock(database, product._id, { delta: 1, reason: 'returned', by: 'test' });
    const retried = await payOrder(deps, session);
    expect(retried.outcome).toBe('refunded_out_of_stock');
    expect(await endState(orderId, product._id)).toEqual({
      status: 'refunded',
      refundedAmount: 1800,
      refundIds: [sim.refunds().find((r) => r.metadata?.orderId === orderId.toHexString())!.id],
      payments: [['refunded', 1800, 1800]],
      stock: { available: 1, reserved: 0 },
      refundEmails: 1,
      confirmationEmails: 0,
      stripeRefunds: [1800],
    });
    // A third delivery changes nothing.
    expect((await payOrder(deps, session)).outcome).toBe('not_payable');
    expect((await endState(orderId, product._id)).stripeRefunds).toEqual([1800]);
  });

  it('when Stripe failed the refund, the next delivery asks again and still never pays', async () => {
    const { product, orderId, session } = await paidTooLate();
    // The call and the client's two network retries all fail.
    sim.faults.set({ failNextApiCalls: 3 });
    await expect(payOrder(deps, session)).rejects.toThrow();
    sim.faults.reset();
    expect((await database.collections.orders.findOne({ _id: orderId }))?.outOfStockRefund).toMatchObject({
      paymentIntentId: session.payment_intent,
    });
    expect((await endState(orderId, product._id)).stripeRefunds).toEqual([]);

    await changeStock(database, product._id, { delta: 1, reason: 'returned', by: 'test' });
    expect((await payOrder(deps, session)).outcome).toBe('refunded_out_of_stock');
    expect(await endState(orderId, product._id)).toMatchObject({
      status: 'refunded',
      refundedAmount: 1800,
      payments: [['refunded', 1800, 1800]],
      stock: { available: 1, reserved: 0 },
      refundEmails: 1,
      confirmationEmails: 0,
      stripeRefunds: [1800],
    });
  });
});
