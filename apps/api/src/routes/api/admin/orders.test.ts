import { ObjectId, type OrderDoc } from '@simple-shop/db';
import { payOrder, recordStripeRefund } from '@simple-shop/order-outcomes';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertProducts, productDoc } from '../../../products.test-support';
import { bearer, buildTestApp, startTestStripe } from '../../../app.test-support';

/**
 * The order desk against a real app, a real database and the Stripe simulator. Orders are paid
 * through the simulator's hosted page and the one payment path (`payOrder`), as the worker does.
 */
let app: FastifyInstance;
let stripe: Awaited<ReturnType<typeof startTestStripe>>;
let admin: { authorization: string };
let adminId: string;

beforeAll(async () => {
  stripe = await startTestStripe();
  app = await buildTestApp(stripe.env);
  adminId = new ObjectId().toHexString();
  admin = bearer(app, { sub: adminId, role: 'admin' });
});
afterAll(async () => {
  await app?.close();
  await stripe?.sim.close();
});

const orders = () => app.deps.database.collections.orders;

async function customer() {
  const _id = new ObjectId();
  const email = `buyer-${_id.toHexString()}@example.com`;
  await app.deps.database.collections.users.insertOne({
    _id,
    email,
    name: 'Buyer',
    role: 'customer',
    passwordHash: 'unused',
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  return { email, headers: bearer(app, { sub: _id.toHexString(), role: 'customer' }) };
}

/** A placed order (pending payment) of `quantity` units at `price`. */
async function placeOrder(opts: { price?: number; quantity?: number; stock?: number } = {}) {
  const [product] = await insertProducts(app.deps.database, [
    productDoc({ stock: opts.stock ?? 10, price: opts.price ?? 5000 }),
  ]);
  const buyer = await customer();
  const res = await app.inject({
    method: 'POST',
    url: '/api/orders',
    headers: buyer.headers,
    payload: { items: [{ productId: product!._id.toHexString(), quantity: opts.quantity ?? 2 }] },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id as string, product: product!, buyer };
}

/** A paid order: hosted page paid in the simulator, then the payment transaction. */
async function paidOrder(opts: { price?: number; quantity?: number; stock?: number } = {}) {
  const placed = await placeOrder(opts);
  const intent = await app.inject({
    method: 'POST',
    url: '/api/payments/create-intent',
    headers: placed.buyer.headers,
    payload: { orderId: placed.id },
  });
  expect(intent.statusCode, intent.body).toBe(201);
  const { sessionId } = intent.json() as { sessionId: string };
  await stripe.sim.pay(sessionId);
  const session = await app.deps.stripe!.checkout.sessions.retrieve(sessionId);
  const paid = await payOrder({ database: app.deps.database, stripe: app.deps.stripe, log: app.log }, session);
  expect(paid.outcome).toBe('paid');
  return { ...placed, sessionId };
}

const orderDoc = async (id: string) => (await orders().findOne({ _id: new ObjectId(id) })) as OrderDoc;
const post = (url: string, payload?: unknown, headers: Record<string, string> = admin) =>
  app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('order desk: access', () => {
  it('401 without a token and 403 for a customer on every route; the order is untouched', async () => {
    const { id, buyer } = await paidOrder();
    const before = await orderDoc(id);
    const routes = [
      ['GET', `/api/admin/orders/${id}`, undefined],
      ['POST', `/api/admin/orders/${id}/ship`, { carrier: 'DHL', trackingNumber: 'X1' }],
      ['POST', `/api/admin/orders/${id}/deliver`, {}],
      ['POST', `/api/admin/orders/${id}/refund`, { reason: 'test', restock: false }],
    ] as const;
    for (const [method, url, payload] of routes) {
      const anonymous = await app.inject({ method, url, ...(payload ? { payload } : {}) });
      expect(anonymous.statusCode, url).toBe(401);
      const res = await app.inject({ method, url, headers: buyer.headers, ...(payload ? { payload } : {}) });
      expect([res.statusCode, res.json().error.code], url).toEqual([403, 'FORBIDDEN']);
    }
    expect(await orderDoc(id)).toEqual(before);
    expect(stripe.sim.refunds().filter((r) => r.metadata?.orderId === id)).toHaveLength(0);
  });
});

describe('GET /api/admin/orders/:id', () => {
  it('shows lines, the payment with its Stripe ids, fulfilment and the timeline of the payment', async () => {
    const { id, sessionId, buyer } = await paidOrder({ price: 1250, quantity: 3 });
    const res = await app.inject({ method: 'GET', url: `/api/admin/orders/${id}`, headers: admin });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id,
      status: 'paid',
      total: 3750,
      currency: 'usd',
      refundedAmount: 0,
      fulfilment: { status: 'unfulfilled' },
      items: [{ quantity: 3, unitPrice: 1250, lineTotal: 3750 }],
      refunds: [],
    });
    expect(body.payments).toEqual([
      expect.objectContaining({
        provider: 'stripe',
        status: 'succeeded',
        amount: 3750,
        amountRefunded: 0,
        sessionId,
        paymentIntentId: expect.stringMatching(/^pi_/),
      }),
    ]);
    const buyerId = (await orderDoc(id)).userId.toHexString();
    expect(body.userId).toBe(buyerId);
    expect(body.timeline.map((e: { kind: string; to: string }) => `${e.kind}:${e.to}`)).toEqual([
      'payment:pending_payment',
      'payment:paid',
    ]);
    expect(buyer.email).toContain('@');
  });

  it('404 for an unknown order, 400 for a malformed id', async () => {
    const missing = await app.inject({ method: 'GET', url: `/api/admin/orders/${new ObjectId().toHexString()}`, headers: admin });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'NOT_FOUND']);
    const bad = await app.inject({ method: 'GET', url: '/api/admin/orders/not-an-id', headers: admin });
    expect(bad.statusCode).toBe(400);
  });
});

describe('POST /api/admin/orders/:id/ship and /deliver', () => {
  it('ships a paid order with tracking, once: the timeline names the admin and one "shipped" email is recorded', async () => {
    const { id } = await paidOrder();
    const shipment = { carrier: 'DHL', trackingNumber: 'JD0146 0000 1', trackingUrl: 'https://track.example.com/JD0146' };
    const res = await post(`/api/admin/orders/${id}/ship`, shipment);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().fulfilment).toMatchObject({ status: 'shipped', ...shipment, shippedAt: expect.any(String) });
    expect(res.json().timeline.at(-1)).toMatchObject({
      kind: 'fulfilment',
      by: `admin:${adminId}`,
      from: 'unfulfilled',
      to: 'shipped',
      note: 'DHL JD0146 0000 1',
    });
    const again = await post(`/api/admin/orders/${id}/ship`, { carrier: 'UPS', trackingNumber: 'Z9' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'INVALID_STATE']);
    expect((await orderDoc(id)).fulfilment?.carrier).toBe('DHL');
    const emails = await app.deps.database.collections.emailOutbox.find({ subjectId: id, kind: 'order_shipped' }).toArray();
    expect(emails).toHaveLength(1);
    expect(emails[0]!.data).toMatchObject(shipment);
  });

  it('refuses bad shipping input with 400 and writes nothing', async () => {
    const { id } = await paidOrder();
    const before = await orderDoc(id);
    for (const payload of [
      {},
      { carrier: 'DHL' },
      { carrier: '', trackingNumber: 'A1' },
      { carrier: '   ', trackingNumber: 'A1' },
      { carrier: 'DHL', trackingNumber: 'A1<script>' },
      { carrier: 'DHL', trackingNumber: 'A1', trackingUrl: 'javascript:alert(1)' },
      { carrier: 'DHL', trackingNumber: 'A1', extra: true },
    ]) {
      const res = await post(`/api/admin/orders/${id}/ship`, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.code).toBeTypeOf('string');
    }
    expect(await orderDoc(id)).toEqual(before);
  });

  it('refuses to ship an unpaid or cancelled order (409) and writes nothing', async () => {
    const pending = await placeOrder();
    const cancelled = await placeOrder();
    await post(`/api/orders/${cancelled.id}/cancel`, undefined, cancelled.buyer.headers);
    for (const { id } of [pending, cancelled]) {
      const before = await orderDoc(id);
      const res = await post(`/api/admin/orders/${id}/ship`, { carrier: 'DHL', trackingNumber: 'A1' });
      expect([res.statusCode, res.json().error.code]).toEqual([409, 'INVALID_STATE']);
      expect(res.json().error.message).toMatch(/cannot be shipped/);
      expect(await orderDoc(id)).toEqual(before);
    }
    const unknown = await post(`/api/admin/orders/${new ObjectId().toHexString()}/ship`, { carrier: 'DHL', trackingNumber: 'A1' });
    expect(unknown.statusCode).toBe(404);
  });

  it('delivers only a shipped order; bad input is a 400 that writes nothing; the customer sees it all', async () => {
    const { id, buyer } = await paidOrder();
    const early = await post(`/api/admin/orders/${id}/deliver`);
    expect([early.statusCode, early.json().error.message]).toEqual([409, 'fulfilment cannot move from unfulfilled to delivered']);
    await post(`/api/admin/orders/${id}/ship`, { carrier: 'DHL', trackingNumber: 'A1' });
    const before = await orderDoc(id);
    const bad = await post(`/api/admin/orders/${id}/deliver`, { note: 'left at door', signedBy: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(await orderDoc(id)).toEqual(before);

    const res = await post(`/api/admin/orders/${id}/deliver`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().fulfilment).toMatchObject({ status: 'delivered', deliveredAt: expect.any(String) });
    expect((await post(`/api/admin/orders/${id}/deliver`)).statusCode).toBe(409);

    const mine = await app.inject({ method: 'GET', url: `/api/orders/${id}`, headers: buyer.headers });
    expect(mine.json()).toMatchObject({
      status: 'paid',
      fulfilment: { status: 'delivered', carrier: 'DHL', trackingNumber: 'A1' },
    });
    expect(mine.json()).not.toHaveProperty('timeline');
    const customerCancel = await post(`/api/orders/${id}/cancel`, undefined, buyer.headers);
    expect(customerCancel.statusCode).toBe(409);
  });
});

describe('POST /api/admin/orders/:id/refund', () => {
  it('30 %, then 70 %, then 1 more cent refused: two Stripe refunds, ends refunded, restocked once', async () => {
    const { id, product } = await paidOrder({ price: 5000, quantity: 2, stock: 10 });
    const refundsOf = () => stripe.sim.refunds().filter((r) => r.metadata?.orderId === id);
    const stock = async () => (await app.deps.database.collections.products.findOne({ _id: product._id }))!.stock;
    expect(await stock()).toBe(8);

    const first = await post(`/api/admin/orders/${id}/refund`, { amount: 3000, reason: 'damaged box', restock: true }, {
      ...admin,
      'idempotency-key': 'refund-30',
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: 'paid', refundedAmount: 3000 });
    expect(await stock()).toBe(10);

    // A retry with the same key is the same refund: no second Stripe call.
    const retry = await post(`/api/admin/orders/${id}/refund`, { amount: 3000, reason: 'damaged box', restock: true }, {
      ...admin,
      'idempotency-key': 'refund-30',
    });
    expect([retry.statusCode, retry.headers['idempotent-replayed']]).toEqual([200, 'true']);
    expect(refundsOf()).toHaveLength(1);

    const second = await post(`/api/admin/orders/${id}/refund`, { amount: 7000, reason: 'customer unhappy', restock: true }, {
      ...admin,
      'idempotency-key': 'refund-70',
    });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toMatchObject({ status: 'refunded', refundedAmount: 10000 });
    expect(await stock()).toBe(10);

    const more = await post(`/api/admin/orders/${id}/refund`, { amount: 1, reason: 'one more cent', restock: false });
    expect(more.statusCode).toBe(409);

    expect(refundsOf().map((r) => r.amount)).toEqual([3000, 7000]);
    const detail = second.json();
    expect(detail.refunds.map((r: { amount: number }) => r.amount)).toEqual([3000, 7000]);
    expect(detail.payments[0]).toMatchObject({ status: 'refunded', amountRefunded: 10000 });
    expect(
      detail.timeline
        .filter((e: { amount?: number }) => e.amount !== undefined)
        .map((e: { from: string; to: string; amount: number; by: string }) => [e.from, e.to, e.amount, e.by]),
    ).toEqual([
      ['paid', 'paid', 3000, `admin:${adminId}`],
      ['paid', 'refunded', 7000, `admin:${adminId}`],
    ]);
    const adjustments = await app.deps.database.collections.inventoryAdjustments.find({ orderId: new ObjectId(id) }).toArray();
    expect(adjustments.map((a) => [a.kind, a.delta, a.status])).toEqual([['restock', 2, 'applied']]);
    const emails = await app.deps.database.collections.emailOutbox.find({ kind: 'order_refunded', 'data.orderId': id }).toArray();
    expect(emails.map((e) => e.data.amount).sort()).toEqual([3000, 7000]);
  });

  it('a full refund without an amount refunds what was paid; no restock leaves stock alone', async () => {
    const { id, product } = await paidOrder({ price: 1999, quantity: 1, stock: 5 });
    const res = await post(`/api/admin/orders/${id}/refund`, { reason: 'lost in transit', restock: false });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'refunded', refundedAmount: 1999 });
    expect((await app.deps.database.collections.products.findOne({ _id: product._id }))!.stock).toBe(4);
    expect(stripe.sim.refunds().filter((r) => r.metadata?.orderId === id).map((r) => r.amount)).toEqual([1999]);
  });

  it('refuses bad input (400), too much (409) and unpaid orders (409) without a Stripe call or a write', async () => {
    const { id } = await paidOrder({ price: 1000, quantity: 1 });
    const pending = await placeOrder();
    const before = await orderDoc(id);
    for (const payload of [
      {},
      { reason: 'x' },
      { restock: true },
      { reason: '', restock: true },
      { reason: 'x', restock: 'yes' },
      { amount: 0, reason: 'x', restock: false },
      { amount: 12.5, reason: 'x', restock: false },
      { amount: -5, reason: 'x', restock: false },
      { reason: 'x', restock: false, currency: 'eur' },
    ]) {
      const res = await post(`/api/admin/orders/${id}/refund`, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const tooMuch = await post(`/api/admin/orders/${id}/refund`, { amount: 1001, reason: 'x', restock: false });
    expect([tooMuch.statusCode, tooMuch.json().error.code]).toEqual([409, 'REFUND_TOO_LARGE']);
    const unpaid = await post(`/api/admin/orders/${pending.id}/refund`, { reason: 'x', restock: false });
    expect([unpaid.statusCode, unpaid.json().error.code]).toEqual([409, 'INVALID_STATE']);
    const badKey = await post(`/api/admin/orders/${id}/refund`, { reason: 'x', restock: false }, { ...admin, 'idempotency-key': 'bad key!' });
    expect(badKey.statusCode).toBe(400);
    expect(await orderDoc(id)).toEqual(before);
    expect(stripe.sim.refunds().filter((r) => [id, pending.id].includes(r.metadata?.orderId ?? ''))).toHaveLength(0);
  });
});

describe('refunds made in the Stripe Dashboard', () => {
  it('a partial one lands on the timeline once, without restock; the shop\'s own refunds are not recorded twice', async () => {
    const { id, product } = await paidOrder({ price: 4000, quantity: 1, stock: 3 });
    const ours = await post(`/api/admin/orders/${id}/refund`, { amount: 500, reason: 'late', restock: false });
    expect(ours.statusCode, ours.body).toBe(200);
    const payment = await app.deps.database.collections.payments.findOne({ orderId: new ObjectId(id) });
    const stripeClient = app.deps.stripe!;
    await stripeClient.refunds.create({ payment_intent: payment!.paymentIntentId!, amount: 1500 });
    const pi = await stripeClient.paymentIntents.retrieve(payment!.paymentIntentId!);
    const charge = await stripeClient.charges.retrieve(pi.latest_charge as string);
    expect([charge.refunded, charge.amount_refunded]).toEqual([false, 2000]);
    const deps = { database: app.deps.database, stripe: stripeClient, log: app.log };

    expect((await recordStripeRefund(deps, charge)).outcome).toBe('partially_refunded');
    expect((await recordStripeRefund(deps, charge)).outcome).toBe('unchanged');
    const order = await orderDoc(id);
    expect([order.status, order.refundedAmount, order.refunds?.map((r) => [r.amount, r.by])]).toEqual([
      'paid',
      2000,
      [
        [500, `admin:${adminId}`],
        [1500, 'stripe'],
      ],
    ]);
    expect((await app.deps.database.collections.products.findOne({ _id: product._id }))!.stock).toBe(2);
  });
});

describe('a refund whose request died after Stripe made it', () => {
  it('is finished by charge.refunded from its Stripe metadata: restocked as asked, once', async () => {
    const { id, product } = await paidOrder({ price: 3000, quantity: 2, stock: 4 });
    const payment = await app.deps.database.collections.payments.findOne({ orderId: new ObjectId(id) });
    const stripeClient = app.deps.stripe!;
    // What refundOrder sends, without the commit that would follow.
    await stripeClient.refunds.create({
      payment_intent: payment!.paymentIntentId!,
      amount: 1000,
      metadata: { orderId: id, reason: 'dented', restock: 'true', by: `admin:${adminId}` },
    });
    const pi = await stripeClient.paymentIntents.retrieve(payment!.paymentIntentId!);
    const charge = await stripeClient.charges.retrieve(pi.latest_charge as string);
    const deps = { database: app.deps.database, stripe: stripeClient, log: app.log };
    expect((await recordStripeRefund(deps, charge)).outcome).toBe('partially_refunded');
    expect((await recordStripeRefund(deps, charge)).outcome).toBe('unchanged');
    const order = await orderDoc(id);
    expect([order.refundedAmount, order.refunds?.map((r) => [r.amount, r.by, r.reason])]).toEqual([
      1000,
      [[1000, `admin:${adminId}`, 'dented']],
    ]);
    expect((await app.deps.database.collections.products.findOne({ _id: product._id }))!.stock).toBe(4);
  });
});

describe('GET /api/admin/orders filters', () => {
  it('filters by status, fulfilment status, creation date and customer email', async () => {
    const shipped = await paidOrder();
    await post(`/api/admin/orders/${shipped.id}/ship`, { carrier: 'DHL', trackingNumber: 'F1' });
    const waiting = await paidOrder();
    const list = async (query: string) => {
      const res = await app.inject({ method: 'GET', url: `/api/admin/orders?limit=100&${query}`, headers: admin });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as { id: string }[]).map((o) => o.id);
    };
    expect(await list(`email=${encodeURIComponent(shipped.buyer.email.toUpperCase())}`)).toEqual([shipped.id]);
    expect(await list('email=nobody%40example.com')).toEqual([]);
    const paidUnshipped = await list('status=paid&fulfilmentStatus=unfulfilled');
    expect(paidUnshipped).toContain(waiting.id);
    expect(paidUnshipped).not.toContain(shipped.id);
    expect(await list('fulfilmentStatus=shipped')).toContain(shipped.id);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect(await list(`createdFrom=${encodeURIComponent(future)}`)).toEqual([]);
    expect(await list(`createdTo=${encodeURIComponent(future)}&email=${encodeURIComponent(waiting.buyer.email)}`)).toEqual([
      waiting.id,
    ]);
    for (const bad of ['fulfilmentStatus=lost', 'createdFrom=yesterday', 'email=x']) {
      expect((await app.inject({ method: 'GET', url: `/api/admin/orders?${bad}`, headers: admin })).statusCode, bad).toBe(400);
    }
  });
});

describe('fulfilment metrics', () => {
  const metric = async (name: string) => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    const line = res.body.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    expect(line, name).toBeDefined();
    return Number(line!.split(' ').at(-1));
  };

  it('orders_awaiting_fulfilment counts paid unshipped orders at scrape time; the oldest one has an age', async () => {
    const before = await metric('orders_awaiting_fulfilment');
    const { id } = await paidOrder();
    expect(await metric('orders_awaiting_fulfilment')).toBe(before + 1);
    // Backdate the oldest waiting order's payment: the age gauge reports at least that much.
    await orders().updateOne({ _id: new ObjectId(id) }, { $set: { paidAt: new Date(Date.now() - 7 * 24 * 3600_000) } });
    expect(await metric('orders_awaiting_fulfilment_oldest_age_seconds')).toBeGreaterThanOrEqual(7 * 24 * 3600);
    await post(`/api/admin/orders/${id}/ship`, { carrier: 'DHL', trackingNumber: 'M1' });
    expect(await metric('orders_awaiting_fulfilment')).toBe(before);
    expect(await metric('orders_awaiting_fulfilment_oldest_age_seconds')).toBeLessThan(7 * 24 * 3600);
  });
});
