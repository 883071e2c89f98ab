import { sessionJobId } from '@simple-shop/queue';
import { ObjectId } from '@simple-shop/db';
import { endUnpaidOrder, releaseReservations, settleReservation } from '@simple-shop/orders';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertProducts, productDoc, stockOf } from '../../../products.test-support';
import { bearer, buildTestApp, startTestStripe } from '../../../app.test-support';

let app: FastifyInstance;
let stripe: Awaited<ReturnType<typeof startTestStripe>>;
const customer = () => bearer(app, { sub: new ObjectId().toHexString(), role: 'customer' });

beforeAll(async () => {
  stripe = await startTestStripe();
  app = await buildTestApp(stripe.env);
});
afterAll(async () => {
  await app?.close();
  await stripe?.sim.close();
});

async function order(
  headers: Record<string, string>,
  items: { productId: string; quantity: number }[],
  extra: Record<string, string> = {},
) {
  return app.inject({ method: 'POST', url: '/api/orders', headers: { ...headers, ...extra }, payload: { items } });
}

describe('stock holds', () => {
  it('50 concurrent orders for 5 units: exactly 5 succeed, 45 get 409, stock never below 0; cancelling returns exactly 5', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 5 })]);
    const productId = product!._id.toHexString();
    const users = Array.from({ length: 50 }, () => customer());
    const results = await Promise.all(users.map((h) => order(h, [{ productId, quantity: 1 }])));

    const created = results.filter((r) => r.statusCode === 201);
    const refused = results.filter((r) => r.statusCode === 409);
    expect(created).toHaveLength(5);
    expect(refused).toHaveLength(45);
    for (const r of refused) {
      expect(r.json().error.code).toBe('INSUFFICIENT_STOCK');
      expect(r.json().error.details.items).toEqual([{ productId, requested: 1, available: 0 }]);
    }
    expect(await stockOf(app.deps.database, product!._id)).toEqual({ stock: 0, held: 5 });
    expect(await app.deps.database.collections.orders.countDocuments({ 'items.productId': product!._id })).toBe(5);

    const cancels = await Promise.all(
      created.map((r) => {
        const index = results.indexOf(r);
        return app.inject({ method: 'POST', url: `/api/orders/${r.json().id}/cancel`, headers: users[index]! });
      }),
    );
    expect(cancels.map((c) => [c.statusCode, c.json().status])).toEqual(Array(5).fill([200, 'cancelled']));
    expect(await stockOf(app.deps.database, product!._id)).toEqual({ stock: 5, held: 0 });
  });

  it('a multi-line order that cannot be fully held holds nothing and names the short line', async () => {
    const [plenty, scarce] = await insertProducts(app.deps.database, [
      productDoc({ stock: 10 }),
      productDoc({ stock: 1 }),
    ]);
    const res = await order(customer(), [
      { productId: plenty!._id.toHexString(), quantity: 3 },
      { productId: scarce!._id.toHexString(), quantity: 2 },
    ]);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.details.items).toEqual([
      { productId: scarce!._id.toHexString(), requested: 2, available: 1 },
    ]);
    expect(await stockOf(app.deps.database, plenty!._id)).toEqual({ stock: 10, held: 0 });
    expect(await stockOf(app.deps.database, scarce!._id)).toEqual({ stock: 1, held: 0 });
  });

  it('session expiry and cancel racing: exactly one of them ends the order (the status guard)', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 4 })]);
    const headers = customer();
    const created = await order(headers, [{ productId: product!._id.toHexString(), quantity: 3 }]);
    expect(created.statusCode).toBe(201);
    const intent = await app.inject({
      method: 'POST',
      url: '/api/payments/create-intent',
      headers,
      payload: { orderId: created.json().id },
    });
    expect(intent.statusCode).toBe(201);

    // Stripe expires the session (what the webhook/reconciler path does) while the customer cancels.
    const orderId = new ObjectId(created.json().id as string);
    const [expired, cancelled] = await Promise.all([
      endUnpaidOrder(app.deps.database, orderId, 'expired', 'checkout session expired'),
      app.inject({ method: 'POST', url: `/api/orders/${created.json().id}/cancel`, headers }),
    ]);
    // One winner: either the expiry moved the order and the cancel is refused, or the other way round.
    const cancelWon = cancelled.statusCode === 200;
    expect(cancelWon ? [expired, cancelled.json().status] : [expired?.order.status, cancelled.statusCode]).toEqual(
      cancelWon ? [null, 'cancelled'] : ['expired', 409],
    );
    const winner = cancelWon ? 'cancelled' : 'expired';
    const final = await app.deps.database.collections.orders.findOne({ _id: orderId });
    expect(final!.status).toBe(winner);
    const ends = (doc: typeof final) => doc!.timeline!.filter((e) => e.to === 'expired' || e.to === 'cancelled');
    expect(ends(final).map((e) => e.to)).toEqual([winner]);
    expect(await stockOf(app.deps.database, product!._id)).toEqual({ stock: 4, held: 0 });

    // Ending it again is refused by the status guard alone: no move, no new timeline entry.
    expect(await endUnpaidOrder(app.deps.database, orderId, 'expired', 'again')).toBeNull();
    expect(await endUnpaidOrder(app.deps.database, orderId, 'cancelled', 'again')).toBeNull();
    const again = await app.deps.database.collections.orders.findOne({ _id: orderId });
    expect(again!.status).toBe(winner);
    expect(ends(again)).toHaveLength(1);
    expect(await stockOf(app.deps.database, product!._id)).toEqual({ stock: 4, held: 0 });
  });

  it('a reservation is given back to the product once, however often its release is repeated (the release guard)', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 4 })]);
    const created = await order(customer(), [{ productId: product!._id.toHexString(), quantity: 3 }]);
    expect(created.statusCode).toBe(201);
    const orderId = new ObjectId(created.json().id as string);
    const { reservations } = app.deps.database.collections;
    // The reservation as a release that crashed before marking it settled would find it again.
    await reservations.updateOne({ orderId }, { $set: { status: 'released', updatedAt: new Date() } });
    const [stale] = await reservations.find({ orderId }).toArray();
    expect(stale).toMatchObject({ status: 'released', settled: false, quantity: 3 });

    // Bypassing the order's status guard entirely: concurrent releases, then the stale copy twice more.
    const released = await Promise.all([
      releaseReservations(app.deps.database, orderId),
      releaseReservations(app.deps.database, orderId),
      settleReservation(app.deps.database, stale!),
    ]);
    // Exactly one of the three gave the units back.
    expect(released[0].length + released[1].length + (released[2] ? 1 : 0)).toBe(1);
    expect(await settleReservation(app.deps.database, stale!)).toBe(false);
    expect(await settleReservation(app.deps.database, stale!)).toBe(false);
    expect(await stockOf(app.deps.database, product!._id)).toEqual({ stock: 4, held: 0 });
    const doc = await app.deps.database.collections.products.findOne({ _id: product!._id });
    expect(doc!.reserved ?? 0).toBe(0);
  });
});

describe('order contents', () => {
  it('prices come from the catalog; a client-sent price is refused', async () => {
    const [a, b] = await insertProducts(app.deps.database, [productDoc({ price: 1250 }), productDoc({ price: 99 })]);
    const headers = customer();
    const sneaky = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers,
      payload: { items: [{ productId: a!._id.toHexString(), quantity: 1, price: 1 }] },
    });
    expect(sneaky.statusCode).toBe(400);
    expect(sneaky.json().error.code).toBe('VALIDATION_ERROR');
    const totalSent = await app.inject({
      method: 'POST',
      url: '/api/orders',
      headers,
      payload: { items: [{ productId: a!._id.toHexString(), quantity: 1 }], total: 1 },
    });
    expect(totalSent.statusCode).toBe(400);

    const res = await order(headers, [
      { productId: a!._id.toHexString(), quantity: 2 },
      { productId: b!._id.toHexString(), quantity: 3 },
      { productId: a!._id.toHexString(), quantity: 1 },
    ]);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'pending_payment', total: 3 * 1250 + 3 * 99, currency: 'usd' });
    expect(body.items).toEqual([
      { productId: a!._id.toHexString(), name: a!.name, quantity: 3, unitPrice: 1250, lineTotal: 3750 },
      { productId: b!._id.toHexString(), name: b!.name, quantity: 3, unitPrice: 99, lineTotal: 297 },
    ]);
    const reservations = await app.deps.database.collections.reservations
      .find({ orderId: new ObjectId(body.id as string) })
      .toArray();
    expect(reservations.map((r) => [r.productId.toHexString(), r.quantity, r.status]).sort()).toEqual(
      [
        [a!._id.toHexString(), 3, 'held'],
        [b!._id.toHexString(), 3, 'held'],
      ].sort(),
    );
  });

  it('refuses deleted, inactive and unknown products without holding anything', async () => {
    const [deleted, inactive, fine] = await insertProducts(app.deps.database, [
      productDoc({ active: false, deletedAt: new Date() }),
      productDoc({ active: false }),
      productDoc({ stock: 3 }),
    ]);
    const headers = customer();
    const line = (id: ObjectId) => [
      { productId: id.toHexString(), quantity: 1 },
      { productId: fine!._id.toHexString(), quantity: 1 },
    ];
    const r1 = await order(headers, line(deleted!._id));
    expect([r1.statusCode, r1.json().error.code]).toEqual([404, 'PRODUCT_NOT_FOUND']);
    const r2 = await order(headers, line(inactive!._id));
    expect([r2.statusCode, r2.json().error.code]).toEqual([409, 'PRODUCT_UNAVAILABLE']);
    const r3 = await order(headers, line(new ObjectId()));
    expect(r3.statusCode).toBe(404);
    expect(await stockOf(app.deps.database, fine!._id)).toEqual({ stock: 3, held: 0 });
  });

  it('refuses mixed currencies and bad quantities', async () => {
    const [usd, eur] = await insertProducts(app.deps.database, [productDoc(), productDoc({ currency: 'eur' })]);
    const headers = customer();
    const mixed = await order(headers, [
      { productId: usd!._id.toHexString(), quantity: 1 },
      { productId: eur!._id.toHexString(), quantity: 1 },
    ]);
    expect([mixed.statusCode, mixed.json().error.code]).toEqual([409, 'CURRENCY_MISMATCH']);
    for (const quantity of [0, -1, 1.5, 100, '2']) {
      const bad = await app.inject({
        method: 'POST',
        url: '/api/orders',
        headers,
        payload: { items: [{ productId: usd!._id.toHexString(), quantity }] },
      });
      expect(bad.statusCode).toBe(400);
    }
    expect(await stockOf(app.deps.database, usd!._id)).toEqual({ stock: 10, held: 0 });
  });
});

describe('orders from the cart', () => {
  it('a POST without a body orders the cart, then empties it', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 9, price: 700 })]);
    const headers = customer();
    const add = await app.inject({
      method: 'POST',
      url: '/api/cart/add',
      headers,
      payload: { productId: product!._id.toHexString(), quantity: 3 },
    });
    expect(add.statusCode).toBe(200);
    const res = await app.inject({ method: 'POST', url: '/api/orders', headers });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ total: 2100, items: [{ quantity: 3 }] });
    expect((await app.inject({ method: 'GET', url: '/api/cart', headers })).json().items).toEqual([]);
    const empty = await app.inject({ method: 'POST', url: '/api/orders', headers, payload: {} });
    expect([empty.statusCode, empty.json().error.code]).toEqual([400, 'CART_EMPTY']);
  });
});

describe('idempotency', () => {
  it('same key twice → one order; same key with another body → 422', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 10 })]);
    const headers = customer();
    const items = [{ productId: product!._id.toHexString(), quantity: 2 }];
    const [first, second] = await Promise.all([
      order(headers, items, { 'idempotency-key': 'order-key-1' }),
      // A concurrent duplicate waits for the first request and replays its answer.
      order(headers, items, { 'idempotency-key': 'order-key-1' }),
    ]);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json().id).toBe(first.json().id);
    const third = await order(headers, items, { 'idempotency-key': 'order-key-1' });
    expect(third.json().id).toBe(first.json().id);
    expect(third.headers['idempotent-replayed']).toBe('true');
    expect(await stockOf(app.deps.database, product!._id)).toEqual({ stock: 8, held: 2 });

    const other = await order(headers, [{ productId: product!._id.toHexString(), quantity: 3 }], {
      'idempotency-key': 'order-key-1',
    });
    expect([other.statusCode, other.json().error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    // The key is per user: another user may use the same key.
    const elsewhere = await order(customer(), items, { 'idempotency-key': 'order-key-1' });
    expect(elsewhere.statusCode).toBe(201);
    expect(elsewhere.json().id).not.toBe(first.json().id);
  });

  it('a second create-intent returns the same session; the simulator saw one session', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 10 })]);
    const headers = customer();
    const created = await order(headers, [{ productId: product!._id.toHexString(), quantity: 1 }]);
    const payload = { orderId: created.json().id };
    const before = stripe.sim.sessions().length;
    const [a, b] = await Promise.all([
      app.inject({ method: 'POST', url: '/api/payments/create-intent', headers, payload }),
      app.inject({ method: 'POST', url: '/api/payments/create-intent', headers, payload }),
    ]);
    const c = await app.inject({
      method: 'POST',
      url: '/api/payments/create-intent',
      headers: { ...headers, 'idempotency-key': 'ci-1' },
      payload,
    });
    expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([201, 201, 201]);
    expect(new Set([a.json().sessionId, b.json().sessionId, c.json().sessionId]).size).toBe(1);
    expect(stripe.sim.sessions().length).toBe(before + 1);
    const session = stripe.sim.sessions().find((s) => s.id === a.json().sessionId)!;
    expect(session.amount_total).toBe(1999);
    expect(session.metadata).toMatchObject({ orderId: created.json().id });
    expect(session.client_reference_id).toBe(created.json().id);
    expect(a.json().url).toBe(session.url);
  });
});

describe('ownership', () => {
  it("another user's order is 404 on get, cancel, create-intent and verify-session", async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 5 })]);
    const owner = customer();
    const intruder = customer();
    const created = await order(owner, [{ productId: product!._id.toHexString(), quantity: 1 }]);
    const id = created.json().id as string;
    const intent = await app.inject({
      method: 'POST',
      url: '/api/payments/create-intent',
      headers: owner,
      payload: { orderId: id },
    });
    const sessionId = intent.json().sessionId as string;

    const get = await app.inject({ method: 'GET', url: `/api/orders/${id}`, headers: intruder });
    const cancel = await app.inject({ method: 'POST', url: `/api/orders/${id}/cancel`, headers: intruder });
    const pay = await app.inject({
      method: 'POST',
      url: '/api/payments/create-intent',
      headers: intruder,
      payload: { orderId: id },
    });
    const verify = await app.inject({
      method: 'GET',
      url: `/api/payments/verify-session?session_id=${sessionId}`,
      headers: intruder,
    });
    expect([get.statusCode, cancel.statusCode, pay.statusCode, verify.statusCode]).toEqual([404, 404, 404, 404]);
    expect((await app.inject({ method: 'GET', url: `/api/orders/${id}`, headers: owner })).json().status).toBe(
      'pending_payment',
    );
    const list = await app.inject({ method: 'GET', url: '/api/orders', headers: intruder });
    expect(list.json().items).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/api/orders/not-an-id', headers: owner })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: `/api/orders/${id}` })).statusCode).toBe(401);
  });
});

describe('checkout through the simulator', () => {
  it('pay on the hosted page → verify-session reports paid and hands the order to the worker path', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 5, price: 4200 })]);
    const headers = customer();
    const created = await order(headers, [{ productId: product!._id.toHexString(), quantity: 2 }]);
    const intent = await app.inject({
      method: 'POST',
      url: '/api/payments/create-intent',
      headers,
      payload: { orderId: created.json().id },
    });
    const { sessionId, url } = intent.json() as { sessionId: string; url: string };

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('84.00');
    const pay = await fetch(`${url}/pay`, { method: 'POST', redirect: 'manual' });
    expect(pay.status).toBe(303);
    expect(pay.headers.get('location')).toContain(sessionId);

    const verify = await app.inject({
      method: 'GET',
      url: `/api/payments/verify-session?session_id=${sessionId}`,
      headers,
    });
    expect(verify.statusCode).toBe(200);
    expect(verify.json()).toEqual({
      orderId: created.json().id,
      status: 'pending_payment',
      paymentStatus: 'paid',
      sessionStatus: 'complete',
    });
    const job = await app.deps.queues.stripeEvents.queue.getJob(sessionJobId(sessionId));
    expect(job?.data).toMatchObject({ kind: 'session', sessionId });
  });

  it('create-intent answers 503 when payments are not configured, 409 for an order not awaiting payment', async () => {
    const bare = await buildTestApp();
    try {
      const [product] = await insertProducts(bare.deps.database, [productDoc()]);
      const headers = bearer(bare, { sub: new ObjectId().toHexString(), role: 'customer' });
      const created = await bare.inject({
        method: 'POST',
        url: '/api/orders',
        headers,
        payload: { items: [{ productId: product!._id.toHexString(), quantity: 1 }] },
      });
      const res = await bare.inject({
        method: 'POST',
        url: '/api/payments/create-intent',
        headers,
        payload: { orderId: created.json().id },
      });
      expect([res.statusCode, res.json().error.code]).toEqual([503, 'PAYMENTS_DISABLED']);
    } finally {
      await bare.close();
    }
    const [product] = await insertProducts(app.deps.database, [productDoc()]);
    const headers = customer();
    const created = await order(headers, [{ productId: product!._id.toHexString(), quantity: 1 }]);
    await app.inject({ method: 'POST', url: `/api/orders/${created.json().id}/cancel`, headers });
    const res = await app.inject({
      method: 'POST',
      url: '/api/payments/create-intent',
      headers,
      payload: { orderId: created.json().id },
    });
    expect([res.statusCode, res.json().error.code]).toEqual([409, 'INVALID_STATE']);
  });
});

describe('admin orders', () => {
  it('lists all orders by status for admins only', async () => {
    const admin = bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' });
    const res = await app.inject({
      method: 'GET',
      url: '/api/admin/orders?status=cancelled&limit=100',
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.length).toBeGreaterThan(0);
    expect(res.json().items.every((o: { status: string }) => o.status === 'cancelled')).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/api/admin/orders', headers: customer() })).statusCode).toBe(403);
    expect(
      (await app.inject({ method: 'GET', url: '/api/admin/orders?status=bogus', headers: admin })).statusCode,
    ).toBe(400);
  });
});
