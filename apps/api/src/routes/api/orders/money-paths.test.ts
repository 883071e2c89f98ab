/**
 * The customer's money paths through the real API (real MongoDB protocol, Redis, BullMQ producers)
 * and the Stripe simulator, each asserting the whole end state: the order, the product's available
 * and reserved units, the payment and refund records, the outbox, and the calls Stripe received.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ObjectId, type OrderDoc } from '@simple-shop/db';
import { payOrder } from '@simple-shop/order-outcomes';
import { emailJobId } from '@simple-shop/queue';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp, startTestStripe, TEST_STRIPE_KEY } from '../../../app.test-support';
import { insertProducts, productDoc } from '../../../products.test-support';

let app: FastifyInstance;
let stripe: Awaited<ReturnType<typeof startTestStripe>>;

beforeAll(async () => {
  stripe = await startTestStripe();
  app = await buildTestApp(stripe.env);
});
afterAll(async () => {
  await app?.close();
  await stripe?.sim.close();
});

const db = () => app.deps.database.collections;

async function customer() {
  const _id = new ObjectId();
  await db().users.insertOne({
    _id,
    email: `money-${_id.toHexString()}@example.com`,
    name: 'Grace',
    role: 'customer',
    passwordHash: 'unused',
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  return { id: _id, headers: bearer(app, { sub: _id.toHexString(), role: 'customer' }) };
}

async function levels(id: ObjectId) {
  const doc = await db().products.findOne({ _id: id });
  return { available: doc!.stock, reserved: doc!.reserved ?? 0 };
}

/** A placed (unpaid) order of `quantity` units at `price` from a product with `stock` units. */
async function placeOrder(opts: { stock: number; quantity: number; price?: number }) {
  const [product] = await insertProducts(app.deps.database, [
    productDoc({ stock: opts.stock, reserved: 0, price: opts.price ?? 2500 }),
  ]);
  const buyer = await customer();
  const res = await app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: buyer.headers,
    payload: { items: [{ productId: product!._id.toHexString(), quantity: opts.quantity }] },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id as string, product: product!, buyer };
}

async function createIntent(placed: { id: string; buyer: { headers: Record<string, string> } }, key?: string) {
  return app.inject({
    method: 'POST',
    url: '/api/payments/create-intent',
    headers: { ...placed.buyer.headers, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { orderId: placed.id },
  });
}

async function withSession(opts: { stock: number; quantity: number; price?: number }) {
  const placed = await placeOrder(opts);
  const intent = await createIntent(placed);
  expect(intent.statusCode, intent.body).toBe(201);
  return { ...placed, sessionId: intent.json().sessionId as string };
}

const orderDoc = async (id: string) => (await db().orders.findOne({ _id: new ObjectId(id) })) as OrderDoc;
const cancel = (placed: { id: string; buyer: { headers: Record<string, string> } }) =>
  app.inject({ method: 'POST', url: `/api/orders/${placed.id}/cancel`, headers: placed.buyer.headers });
/** The simulator's /v1 calls from index `from` on, as "METHOD path". */
const stripeCallsSince = (from: number) =>
  stripe.sim
    .requests()
    .slice(from)
    .map((r) => `${r.method} ${r.path}`);

describe('cancelling a paid order (POST /api/orders/:id/cancel)', () => {
  it('refunds the whole payment through Stripe once, restocks the units once and queues one refund email', async () => {
    const placed = await withSession({ stock: 5, quantity: 2, price: 2500 });
    await stripe.sim.pay(placed.sessionId);
    const session = await app.deps.stripe!.checkout.sessions.retrieve(placed.sessionId);
    // The worker's payment path (the webhook is not wired in this file).
    expect(
      (await payOrder({ database: app.deps.database, stripe: app.deps.stripe, log: app.log }, session)).outcome,
    ).toBe('paid');
    expect(await levels(placed.product._id)).toEqual({ available: 3, reserved: 0 });
    const paymentIntentId = session.payment_intent as string;
    const callsBefore = stripe.sim.requests().length;

    const res = await cancel(placed);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: placed.id, status: 'refunded', total: 5000 });

    // Stripe: exactly one refund, of everything, for this payment, carrying the shop's metadata.
    expect(stripeCallsSince(callsBefore)).toEqual(['POST /v1/refunds']);
    const refunds = stripe.sim.refunds().filter((r) => r.payment_intent === paymentIntentId);
    expect(refunds.map((r) => [r.amount, r.status, r.metadata?.orderId, r.metadata?.restock, r.metadata?.by])).toEqual([
      [5000, 'succeeded', placed.id, 'true', 'customer'],
    ]);
    // The order, its payment, the restock and the email.
    const order = await orderDoc(placed.id);
    expect([order.status, order.refundedAmount, order.refundIds, order.refunds?.map((r) => [r.amount, r.by])]).toEqual([
      'refunded',
      5000,
      [refunds[0]!.id],
      [[5000, 'customer']],
    ]);
    const payment = await db().payments.findOne({ orderId: order._id });
    expect([payment?.status, payment?.amount, payment?.amountRefunded, payment?.refundId]).toEqual([
      'refunded',
      5000,
      5000,
      refunds[0]!.id,
    ]);
    const restocks = await db().inventoryAdjustments.find({ orderId: order._id }).toArray();
    expect(restocks.map((a) => [a.kind, a.delta, a.status])).toEqual([['restock', 2, 'applied']]);
    expect(await levels(placed.product._id)).toEqual({ available: 5, reserved: 0 });
    const outbox = await db().emailOutbox.find({ subjectId: placed.id }).sort({ _id: 1 }).toArray();
    expect(outbox.map((e) => [e._id, e.status])).toEqual([
      [`order_confirmation:${placed.id}`, 'pending'],
      [`order_refunded:${placed.id}`, 'pending'],
    ]);
    expect(outbox[1]!.data).toMatchObject({ amount: 5000, reason: 'cancelled by customer after payment' });
    expect(await app.deps.queues.emails.queue.getJob(emailJobId(`order_refunded:${placed.id}`))).toBeTruthy();

    // Cancelling again changes nothing and calls Stripe for nothing.
    const callsAfter = stripe.sim.requests().length;
    const again = await cancel(placed);
    expect([again.statusCode, again.json().status]).toEqual([200, 'refunded']);
    expect(stripeCallsSince(callsAfter)).toEqual([]);
    expect(stripe.sim.refunds().filter((r) => r.payment_intent === paymentIntentId)).toHaveLength(1);
    expect(await levels(placed.product._id)).toEqual({ available: 5, reserved: 0 });
    expect(await db().inventoryAdjustments.countDocuments({ orderId: order._id })).toBe(1);
  });

  it('an order Stripe reports paid but the shop has not recorded yet is refused with 409 PAYMENT_IN_PROGRESS; nothing changes', async () => {
    const placed = await withSession({ stock: 4, quantity: 1 });
    await stripe.sim.pay(placed.sessionId);
    const callsBefore = stripe.sim.requests().length;

    const res = await cancel(placed);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('PAYMENT_IN_PROGRESS');
    // It tried to close the session (refused: complete), then read why.
    expect(stripeCallsSince(callsBefore)).toEqual([
      `POST /v1/checkout/sessions/${placed.sessionId}/expire`,
      `GET /v1/checkout/sessions/${placed.sessionId}`,
    ]);
    expect((await orderDoc(placed.id)).status).toBe('pending_payment');
    expect(await levels(placed.product._id)).toEqual({ available: 3, reserved: 1 });
    expect(stripe.sim.refunds().filter((r) => r.metadata?.orderId === placed.id)).toEqual([]);
    expect(await db().emailOutbox.countDocuments({ subjectId: placed.id })).toBe(0);
  });
});

describe('create-intent refusals', () => {
  it('an order past its expiry is 409 ORDER_EXPIRED: no session is opened and the order is left to reconciliation', async () => {
    const placed = await placeOrder({ stock: 3, quantity: 2 });
    await db().orders.updateOne({ _id: new ObjectId(placed.id) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const callsBefore = stripe.sim.requests().length;

    const res = await createIntent(placed);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('ORDER_EXPIRED');
    expect(stripeCallsSince(callsBefore)).toEqual([]);
    expect(await db().payments.countDocuments({ orderId: new ObjectId(placed.id) })).toBe(0);
    const order = await orderDoc(placed.id);
    expect([order.status, order.checkoutSessionId]).toEqual(['pending_payment', undefined]);
    expect(await levels(placed.product._id)).toEqual({ available: 1, reserved: 2 });
  });

  it('a session Stripe answers with that is no longer open is 409 SESSION_NOT_OPEN, and no payment is recorded for it', async () => {
    // Between the shop and the simulator: Stripe's answer to the create is the session as it is by
    // the time it answers, expired (url null), as a session that closed right away would come back.
    const proxy: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const headers = Object.fromEntries(
            Object.entries(req.headers).filter(
              ([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k),
            ),
          ) as Record<string, string>;
          const upstream = await fetch(`${stripe.sim.url}${req.url}`, {
            method: req.method!,
            headers,
            ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
          });
          let body = await upstream.text();
          if (req.method === 'POST' && req.url === '/v1/checkout/sessions' && upstream.status === 200) {
            const id = (JSON.parse(body) as { id: string }).id;
            await stripe.sim.expireSession(id);
            body = await (
              await fetch(`${stripe.sim.url}/v1/checkout/sessions/${id}`, {
                headers: { authorization: `Bearer ${TEST_STRIPE_KEY}` },
              })
            ).text();
          }
          res.writeHead(upstream.status, {
            'content-type': 'application/json',
            'request-id': upstream.headers.get('request-id') ?? 'req_proxy',
            'stripe-version': upstream.headers.get('stripe-version') ?? '',
          });
          res.end(body);
        })().catch((error: unknown) => {
          res.writeHead(502);
          res.end(String(error));
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = await buildTestApp({
      ...stripe.env,
      STRIPE_API_BASE: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    });
    try {
      const [product] = await insertProducts(proxied.deps.database, [productDoc({ stock: 2, reserved: 0 })]);
      const userId = new ObjectId();
      await proxied.deps.database.collections.users.insertOne({
        _id: userId,
        email: `closed-${userId.toHexString()}@example.com`,
        name: 'Ada',
        role: 'customer',
        passwordHash: 'unused',
        createdAt: new Date(),
        updatedAt: new Date(),
      });
      const headers = bearer(proxied, { sub: userId.toHexString(), role: 'customer' });
      const placed = await proxied.inject({
        method: 'POST',
        url: '/api/orders',
        headers,
        payload: { items: [{ productId: product!._id.toHexString(), quantity: 1 }] },
      });
      expect(placed.statusCode, placed.body).toBe(201);
      const orderId = new ObjectId(placed.json().id as string);

      const res = await proxied.inject({
        method: 'POST',
        url: '/api/payments/create-intent',
        headers,
        payload: { orderId: orderId.toHexString() },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toEqual({
        error: { code: 'SESSION_NOT_OPEN', message: 'The checkout session is no longer open' },
      });
      expect(
        stripe.sim
          .sessions()
          .filter((s) => s.metadata?.orderId === orderId.toHexString())
          .map((s) => [s.status, s.url]),
      ).toEqual([['expired', null]]);
      expect(await proxied.deps.database.collections.payments.countDocuments({ orderId })).toBe(0);
      const order = await proxied.deps.database.collections.orders.findOne({ _id: orderId });
      expect([order?.status, order?.checkoutSessionId]).toEqual(['pending_payment', undefined]);
    } finally {
      await proxied.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('Idempotency-Key branches', () => {
  it('a stored 4xx is replayed for the same key and body, even after the cause went away; nothing is ordered', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 1, reserved: 0 })]);
    const buyer = await customer();
    const order = (key: string) =>
      app.inject({
        method: 'POST',
        url: '/api/orders',
        headers: { ...buyer.headers, 'idempotency-key': key },
        payload: { items: [{ productId: product!._id.toHexString(), quantity: 2 }] },
      });
    const first = await order('short-1');
    expect(first.statusCode).toBe(409);
    expect(first.json().error.code).toBe('INSUFFICIENT_STOCK');
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    await db().products.updateOne({ _id: product!._id }, { $inc: { stock: 4 } });
    const replay = await order('short-1');
    expect([replay.statusCode, replay.headers['idempotent-replayed']]).toEqual([409, 'true']);
    expect(replay.json()).toEqual(first.json());
    expect(await db().orders.countDocuments({ userId: buyer.id })).toBe(0);
    expect(await levels(product!._id)).toEqual({ available: 5, reserved: 0 });

    // A new key runs for real.
    const fresh = await order('short-2');
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect(await levels(product!._id)).toEqual({ available: 3, reserved: 2 });
  });

  it('a 5xx frees the key: the retry with the same key runs (one session), and later retries replay it', async () => {
    const placed = await placeOrder({ stock: 3, quantity: 1 });
    const keyId = `payments.create-intent:${placed.buyer.id.toHexString()}:pay-once`;
    // Stripe answers 500 to the call and to both of the SDK's retries.
    stripe.sim.faults.set({ failNextApiCalls: 3 });
    const failed = await createIntent(placed, 'pay-once');
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } });
    expect(stripe.sim.faults.get().failNextApiCalls).toBe(0);
    expect(await db().idempotencyKeys.countDocuments({ _id: keyId })).toBe(0);
    expect(stripe.sim.sessions().filter((s) => s.metadata?.orderId === placed.id)).toHaveLength(0);

    const retried = await createIntent(placed, 'pay-once');
    expect(retried.statusCode, retried.body).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    const again = await createIntent(placed, 'pay-once');
    expect([again.statusCode, again.headers['idempotent-replayed'], again.json().sessionId]).toEqual([
      201,
      'true',
      retried.json().sessionId,
    ]);
    expect(stripe.sim.sessions().filter((s) => s.metadata?.orderId === placed.id)).toHaveLength(1);
    expect((await db().idempotencyKeys.findOne({ _id: keyId }))?.status).toBe('completed');
  });

  it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED and opens nothing', async () => {
    const a = await placeOrder({ stock: 3, quantity: 1 });
    const first = await createIntent(a, 'one-key');
    expect(first.statusCode).toBe(201);
    const other = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers: a.buyer.headers,
      payload: { items: [{ productId: a.product._id.toHexString(), quantity: 1 }] },
    });
    const callsBefore = stripe.sim.requests().length;
    const reused = await createIntent({ id: other.json().id as string, buyer: a.buyer }, 'one-key');
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(stripeCallsSince(callsBefore)).toEqual([]);
    expect(await db().payments.countDocuments({ orderId: new ObjectId(other.json().id as string) })).toBe(0);
  });
});
