import { type ObjectId } from '@simple-shop/db';
import { endUnpaidOrder } from '@simple-shop/orders';
import { signPayload } from '@simple-shop/stripe-simulator';
import { STACK_WEBHOOK_SECRET, startStack, waitFor, type Stack } from '@simple-shop/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  api,
  insertProduct,
  observeQueues,
  orderWithSession,
  productState,
  type QueueObserver,
} from './pipeline.test-support';

/**
 * The webhook pipeline end to end: Stripe simulator → API process (verify, record, queue) →
 * Redis/BullMQ → worker process (fulfil in one transaction, email through SMTP).
 */
let stack: Stack;
let queues: QueueObserver;
beforeAll(async () => {
  stack = await startStack();
  queues = observeQueues(stack);
}, 90_000);
afterAll(async () => {
  await queues?.close();
  await stack?.stop();
});
beforeEach(() => {
  stack.sim.faults.reset();
});

const order = (id: ObjectId) => stack.database.collections.orders.findOne({ _id: id });
const mailsTo = (email: string) => stack.smtp.messages().filter((m) => m.to.includes(email));

describe('a paid checkout', () => {
  it('marks the order paid, consumes the stock once and sends one confirmation email', async () => {
    const product = await insertProduct(stack, { stock: 5, price: 1500 });
    const { user, orderId, sessionId } = await orderWithSession(stack, product, 2);
    await waitFor(async () => expect(await productState(stack, product._id)).toEqual({ stock: 3, held: 2 }));

    await stack.sim.pay(sessionId);
    await waitFor(async () => expect((await order(orderId))?.status).toBe('paid'), { timeoutMs: 15_000 });
    await waitFor(async () => expect(await productState(stack, product._id)).toEqual({ stock: 3, held: 0 }));
    const payment = await stack.database.collections.payments.findOne({ sessionId });
    expect(payment).toMatchObject({ status: 'succeeded', amount: 3000, currency: 'usd' });
    expect(payment?.paymentIntentId).toMatch(/^pi_/);

    const [mail] = await waitFor(
      async () => {
        const mails = mailsTo(user.email);
        expect(mails).toHaveLength(1);
        return mails;
      },
      { timeoutMs: 10_000 },
    );
    expect(mail!.subject).toMatch(/is confirmed/);
    expect(mail!.text).toContain('30.00 USD');
    expect(mail!.messageId).toBe(`<order_confirmation:${orderId.toHexString()}@simple-shop>`);
  });
});

describe('duplicates and reordering', () => {
  it('the same event delivered 10 times concurrently has one effect and one email', async () => {
    const product = await insertProduct(stack, { stock: 3 });
    const { user, orderId, sessionId } = await orderWithSession(stack, product, 1);
    stack.sim.faults.set({ duplicateDeliveries: 9 });
    await stack.sim.pay(sessionId);
    await stack.sim.waitForDeliveries();
    const event = stack.sim
      .events()
      .find((e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === sessionId)!;
    expect(stack.sim.deliveries().filter((d) => d.eventId === event.id).length).toBeGreaterThanOrEqual(10);

    await waitFor(async () => expect((await order(orderId))?.status).toBe('paid'), { timeoutMs: 15_000 });
    await waitFor(async () => expect(mailsTo(user.email)).toHaveLength(1), { timeoutMs: 10_000 });
    expect(await stack.database.collections.webhookEvents.countDocuments({ _id: event.id })).toBe(1);
    // Delivered again later: still nothing new, once every job the delivery could have queued has ended.
    await stack.sim.resendEvent(event.id);
    await stack.sim.waitForDeliveries();
    expect(stack.sim.deliveries().filter((d) => d.eventId === event.id && d.copy === -1)).toMatchObject([
      { statusCode: 200 },
    ]);
    await queues.drained();
    expect(await productState(stack, product._id)).toEqual({ stock: 2, held: 0 });
    expect(mailsTo(user.email)).toHaveLength(1);
    expect((await order(orderId))?.history.filter((h) => h.status === 'paid')).toHaveLength(1);
  });

  it('completed + async_payment_succeeded for one session → one effect, one email', async () => {
    const product = await insertProduct(stack, { stock: 3 });
    const { user, orderId, sessionId } = await orderWithSession(stack, product, 1);
    stack.sim.faults.set({ reorder: true });
    await stack.sim.pay(sessionId, { async: true });
    await stack.sim.completeAsyncPayment(sessionId, 'succeeded');
    // Delivered newest first: async_payment_succeeded, then completed (unpaid).
    stack.sim.faults.flush();
    await stack.sim.waitForDeliveries();
    await waitFor(async () => expect((await order(orderId))?.status).toBe('paid'), { timeoutMs: 15_000 });
    await waitFor(
      async () => {
        const events = await stack.database.collections.webhookEvents
          .find({ status: { $in: ['processed', 'ignored'] } })
          .toArray();
        const mine = events.filter((e) => e.payload.includes(sessionId));
        expect(mine.map((e) => e.type).sort()).toEqual([
          'checkout.session.async_payment_succeeded',
          'checkout.session.completed',
        ]);
      },
      { timeoutMs: 10_000 },
    );
    await waitFor(async () => expect(mailsTo(user.email)).toHaveLength(1), { timeoutMs: 10_000 });
    await waitFor(async () => expect(await productState(stack, product._id)).toEqual({ stock: 2, held: 0 }));
  });

  it('expired after completed leaves the order paid', async () => {
    const product = await insertProduct(stack, { stock: 3 });
    const { orderId, sessionId } = await orderWithSession(stack, product, 1);
    await stack.sim.pay(sessionId);
    await waitFor(async () => expect((await order(orderId))?.status).toBe('paid'), { timeoutMs: 15_000 });
    // A forged-late "expired" for the same session, correctly signed, arrives afterwards.
    const session = stack.sim.sessions().find((s) => s.id === sessionId)!;
    const payload = JSON.stringify({
      id: `evt_late_${orderId.toHexString()}`,
      object: 'event',
      type: 'checkout.session.expired',
      created: Math.floor(Date.now() / 1000),
      data: { object: { ...session, status: 'expired' } },
    });
    const res = await fetch(`${stack.url}/api/payments/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, STACK_WEBHOOK_SECRET) },
      body: payload,
    });
    expect(res.status).toBe(200);
    await waitFor(
      async () =>
        expect(
          (await stack.database.collections.webhookEvents.findOne({ _id: `evt_late_${orderId.toHexString()}` }))
            ?.status,
        ).toBe('processed'),
      { timeoutMs: 10_000 },
    );
    expect((await order(orderId))?.status).toBe('paid');
    await waitFor(async () => expect(await productState(stack, product._id)).toEqual({ stock: 2, held: 0 }));
  });
});

describe('forged and broken deliveries', () => {
  it('tampered body, wrong secret, stale timestamp, missing header → 400; nothing recorded or queued', async () => {
    const payload = JSON.stringify({
      id: 'evt_forged_1',
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      data: { object: {} },
    });
    const post = (body: string, signature?: string) =>
      fetch(`${stack.url}/api/payments/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
        body,
      });
    const before = await stack.database.collections.webhookEvents.countDocuments();
    const cases = [
      await post(payload.replace('evt_forged_1', 'evt_forged_2'), signPayload(payload, STACK_WEBHOOK_SECRET)),
      await post(payload, signPayload(payload, 'whsec_not_the_secret')),
      await post(payload, signPayload(payload, STACK_WEBHOOK_SECRET, Math.floor(Date.now() / 1000) - 600)),
      await post(payload),
    ];
    for (const res of cases) {
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_SIGNATURE');
    }
    expect(await stack.database.collections.webhookEvents.countDocuments()).toBe(before);
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toMatch(/webhook_events_total\{result="bad_signature"[^}]*\} 4/);
  });
});

describe('amount mismatch', () => {
  it('moves the order to needs_review and changes no stock', async () => {
    const product = await insertProduct(stack, { stock: 4, price: 1000 });
    const { user, orderId, sessionId } = await orderWithSession(stack, product, 1);
    const before = await productState(stack, product._id);
    stack.sim.faults.set({ amountTotalOverride: 1 });
    await stack.sim.pay(sessionId);
    await waitFor(async () => expect((await order(orderId))?.status).toBe('needs_review'), { timeoutMs: 15_000 });
    expect(await productState(stack, product._id)).toEqual(before);
    expect((await order(orderId))?.statusReason).toMatch(/amount mismatch/);
    // Once the event's job and any email job it queued have ended: no email was written or sent.
    await stack.sim.waitForDeliveries();
    await queues.drained();
    expect(await stack.database.collections.emailOutbox.countDocuments({ to: user.email })).toBe(0);
    expect(mailsTo(user.email)).toHaveLength(0);
  });
});

describe('paid but out of stock', () => {
  it('refunds exactly once through Stripe, marks the order refunded and sends one email', async () => {
    const product = await insertProduct(stack, { stock: 2 });
    const { user, orderId, sessionId } = await orderWithSession(stack, product, 2);
    // The hold lapses (order expired) and the stock goes to someone else, but the session is still open.
    await endUnpaidOrder(stack.database, orderId, 'expired', 'test: hold lapsed');
    await stack.database.collections.products.updateOne({ _id: product._id }, { $set: { stock: 0 } });
    stack.sim.faults.set({ duplicateDeliveries: 2 });
    await stack.sim.pay(sessionId);
    await waitFor(async () => expect((await order(orderId))?.status).toBe('refunded'), { timeoutMs: 15_000 });
    await waitFor(async () => expect(mailsTo(user.email)).toHaveLength(1), { timeoutMs: 10_000 });
    const pi = stack.sim.sessions().find((s) => s.id === sessionId)!.payment_intent as string | { id: string } | null;
    const refunds = stack.sim.refunds().filter((r) => r.payment_intent === (typeof pi === 'string' ? pi : pi?.id));
    expect(refunds).toHaveLength(1);
    expect(mailsTo(user.email)[0]!.subject).toMatch(/refunded/);
    await waitFor(async () => expect(await productState(stack, product._id)).toEqual({ stock: 0, held: 0 }));
  });
});

describe('session expiry through Stripe', () => {
  it('expires the order and releases its hold exactly once, even with a cancel racing it', async () => {
    const product = await insertProduct(stack, { stock: 6 });
    const { user, orderId, sessionId } = await orderWithSession(stack, product, 4);
    stack.sim.faults.set({ duplicateDeliveries: 3 });
    const [, cancel] = await Promise.all([
      stack.sim.expireSession(sessionId),
      api(stack, 'POST', `/api/orders/${orderId.toHexString()}/cancel`, user.headers),
    ]);
    expect([200, 409]).toContain(cancel.status);
    await stack.sim.waitForDeliveries();
    await waitFor(async () => expect(['expired', 'cancelled']).toContain((await order(orderId))?.status), {
      timeoutMs: 10_000,
    });
    // Every delivered copy of the expiry has been processed: then the stock is back exactly once.
    await queues.drained();
    expect(await productState(stack, product._id)).toEqual({ stock: 6, held: 0 });
    const final = await order(orderId);
    expect(final?.history.filter((h) => h.status === 'expired' || h.status === 'cancelled')).toHaveLength(1);
  });
});
