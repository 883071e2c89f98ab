/**
 * One set-up for the outcome tests: a database of their own on the suite's MongoDB-protocol server,
 * a Stripe simulator, and orders created the way the shop creates them (a reservation per line, a
 * Checkout Session opened from the order). Each test file calls `startOutcomeHarness()` once.
 */
import { connectDatabase, ObjectId, type Database, type OrderDoc } from '@simple-shop/db';
import { createOrder } from '@simple-shop/orders';
import { checkoutSessionParams, createStripeClient, type Stripe } from '@simple-shop/payments';
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { productDoc, testEnv } from '@simple-shop/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, expect } from 'vitest';
import type { OutcomeDeps } from './deps';
import { payOrder } from './pay-order';

export interface OutcomeHarness {
  sim: StripeSimulator;
  database: Database;
  stripe: Stripe;
  deps: OutcomeDeps;
  /** Every line the outcomes logged, parsed (alerts and operators read these). */
  logs: Record<string, unknown>[];
}

/** Registers beforeAll/afterAll hooks; the returned object is filled in by the time tests run. */
export function startOutcomeHarness(name: string): OutcomeHarness {
  const h = { logs: [] } as unknown as OutcomeHarness;
  beforeAll(async () => {
    h.sim = await startStripeSimulator({ apiKeys: ['sk_test_simulator'], webhookSecret: `whsec_${name}` });
    const env = testEnv();
    h.database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: name });
    h.stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_API_BASE: h.sim.url })!;
    const log = pino({ level: 'info', base: null, timestamp: false }, { write: (line: string) => h.logs.push(JSON.parse(line)) });
    h.deps = { database: h.database, stripe: h.stripe, log };
  });
  afterAll(async () => {
    await h.database?.close();
    await h.sim?.close();
  });
  return h;
}

/** A customer account (the orders' emails go to it), email `<id>@example.test`. */
export async function insertCustomer(database: Database, userId: ObjectId): Promise<void> {
  await database.collections.users.insertOne({
    _id: userId,
    email: `${userId.toHexString()}@example.test`,
    name: 'Ada',
    role: 'customer',
    passwordHash: 'x',
    createdAt: new Date(),
    updatedAt: new Date(),
  });
}

export interface OpenOrder {
  productId: ObjectId;
  userId: ObjectId;
  order: OrderDoc;
  sessionId: string;
}

/** An unpaid order of `quantity` units of a new product (price 1500) with its open Checkout Session. */
export async function openOrder(
  h: OutcomeHarness,
  stock: number,
  quantity: number,
  options: { customer?: boolean } = {},
): Promise<OpenOrder> {
  const product = productDoc({ stock, reserved: 0, price: 1500 });
  await h.database.collections.products.insertOne(product);
  const userId = new ObjectId();
  if (options.customer !== false) await insertCustomer(h.database, userId);
  const order = await createOrder(h.database, { userId, lines: [{ productId: product._id, quantity }], ttlSeconds: 3600 });
  const session = await h.stripe.checkout.sessions.create(
    checkoutSessionParams(order, {
      successUrl: 'http://shop.test/ok',
      cancelUrl: 'http://shop.test/cancel',
      expiresAt: new Date(Date.now() + 3600_000),
    }),
  );
  await h.database.collections.orders.updateOne({ _id: order._id }, { $set: { checkoutSessionId: session.id } });
  // What the API records when it opens the session.
  await h.database.collections.payments.insertOne({
    _id: new ObjectId(),
    orderId: order._id,
    userId,
    provider: 'stripe',
    sessionId: session.id,
    status: 'open',
    amount: order.total,
    currency: order.currency,
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  return { productId: product._id, userId, order: { ...order, checkoutSessionId: session.id }, sessionId: session.id };
}

export interface PaidOrder extends OpenOrder {
  paymentIntentId: string;
  session: Stripe.Checkout.Session;
}

/** An order paid on the simulator's hosted page and recorded by the completion path. */
export async function paidOrder(h: OutcomeHarness, stock: number, quantity: number): Promise<PaidOrder> {
  const open = await openOrder(h, stock, quantity);
  await h.sim.pay(open.sessionId);
  const session = await h.stripe.checkout.sessions.retrieve(open.sessionId);
  const paid = await payOrder(h.deps, session);
  expect(paid.outcome).toBe('paid');
  return { ...open, order: paid.order!, session, paymentIntentId: session.payment_intent as string };
}

export async function levels(h: OutcomeHarness, productId: ObjectId) {
  const p = await h.database.collections.products.findOne({ _id: productId });
  return { available: p!.stock, reserved: p!.reserved ?? 0 };
}

export const readOrder = async (h: OutcomeHarness, id: ObjectId) =>
  (await h.database.collections.orders.findOne({ _id: id }))!;

/** The refunds the simulator made for an order's payment intent. */
export const refundsOf = (h: OutcomeHarness, paymentIntentId: string) =>
  h.sim.refunds().filter((r) => r.payment_intent === paymentIntentId);

/** The log lines with message `msg` that name `orderId`. */
export const logsOf = (h: OutcomeHarness, msg: string, orderId: ObjectId) =>
  h.logs.filter((l) => l.msg === msg && l.orderId === orderId.toHexString());
