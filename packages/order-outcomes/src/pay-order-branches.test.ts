/**
 * The completion path's branches, called directly: which order a session pays for, sessions that
 * are not paid yet, orders that cannot be paid, a shipping rate on top of the total, a currency
 * that differs, the address Checkout collected, and a late payment that cannot be refunded.
 */
import { ObjectId } from '@simple-shop/db';
import { endUnpaidOrder, changeStock } from '@simple-shop/orders';
import type { Stripe } from '@simple-shop/payments';
import { describe, expect, it } from 'vitest';
import { PermanentOutcomeError } from './deps';
import { levels, logsOf, openOrder, readOrder, startOutcomeHarness } from './outcomes.test-support';
import { orderIdOf, payOrder } from './pay-order';

const h = startOutcomeHarness('pay-order-branches');

async function paidSessionOf(sessionId: string): Promise<Stripe.Checkout.Session> {
  await h.sim.pay(sessionId);
  return h.stripe.checkout.sessions.retrieve(sessionId);
}

describe('orderIdOf', () => {
  const id = new ObjectId().toHexString();
  it('reads the order from the metadata, else from client_reference_id (any case)', () => {
    expect(orderIdOf({ id: 'cs_1', metadata: { orderId: id }, client_reference_id: null }).toHexString()).toBe(id);
    expect(orderIdOf({ id: 'cs_1', metadata: {}, client_reference_id: id.toUpperCase() }).toHexString()).toBe(id);
    expect(orderIdOf({ id: 'cs_1', metadata: null, client_reference_id: id }).toHexString()).toBe(id);
  });

  it('a session without a usable reference is a permanent error naming the session', () => {
    for (const ref of [null, '', `x${id}`, `${id}0`, id.slice(1), 'z'.repeat(24)]) {
      const call = () => orderIdOf({ id: 'cs_bad', metadata: {}, client_reference_id: ref });
      expect(call, String(ref)).toThrow(PermanentOutcomeError);
      expect(call).toThrow('session cs_bad carries no order reference');
      // The name is what the worker's logs and dead-letter records show.
      expect(call).toThrow(expect.objectContaining({ name: 'PermanentOutcomeError' }));
    }
  });
});

describe('payOrder', () => {
  it('a session not paid yet (a delayed payment) changes nothing', async () => {
    const { order, productId, sessionId } = await openOrder(h, 5, 2);
    await h.sim.pay(sessionId, { async: true });
    const session = await h.stripe.checkout.sessions.retrieve(sessionId);
    expect(await payOrder(h.deps, session)).toMatchObject({ outcome: 'awaiting_payment', order: null, outboxIds: [] });
    expect((await readOrder(h, order._id)).status).toBe('pending_payment');
    expect(await levels(h, productId)).toEqual({ available: 3, reserved: 2 });
  });

  it('an order not written yet is a retryable error (not permanent)', async () => {
    const { sessionId } = await openOrder(h, 5, 1);
    const session = await paidSessionOf(sessionId);
    const missing = new ObjectId().toHexString();
    const error = await payOrder(h.deps, { ...session, metadata: { orderId: missing } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentOutcomeError);
    expect((error as Error).message).toBe(`order ${missing} not found`);
  });

  it('a refunded order or one under review is not payable; nothing is written', async () => {
    for (const status of ['refunded', 'needs_review'] as const) {
      const { order, productId, sessionId } = await openOrder(h, 5, 1);
      await h.database.collections.orders.updateOne({ _id: order._id }, { $set: { status } });
      const before = await readOrder(h, order._id);
      const outcome = await payOrder(h.deps, await paidSessionOf(sessionId));
      expect(outcome, status).toMatchObject({ outcome: 'not_payable', order: null, outboxIds: [] });
      expect(await readOrder(h, order._id)).toEqual(before);
      expect((await h.database.collections.payments.findOne({ sessionId }))?.status).toBe('open');
      expect(await levels(h, productId)).toEqual({ available: 4, reserved: 1 });
    }
  });

  it('a payment after the order was cancelled, or after a failed attempt, is honoured: units re-reserved and sold', async () => {
    for (const end of ['cancelled', 'payment_failed'] as const) {
      const { order, productId, sessionId } = await openOrder(h, 5, 2);
      await endUnpaidOrder(h.database, order._id, end, 'test');
      expect(await levels(h, productId)).toEqual({ available: 5, reserved: 0 });
      const paid = await payOrder(h.deps, await paidSessionOf(sessionId));
      expect(paid, end).toMatchObject({ outcome: 'paid', stockChanged: [productId] });
      const doc = await readOrder(h, order._id);
      expect(doc.timeline?.at(-1)).toMatchObject({ from: end, to: 'paid' });
      expect(await levels(h, productId)).toEqual({ available: 3, reserved: 0 });
    }
  });

  it('records the payment when the shop had not written its open record yet', async () => {
    const { order, userId, sessionId } = await openOrder(h, 5, 1);
    await h.database.collections.payments.deleteMany({ sessionId });
    const session = await paidSessionOf(sessionId);
    expect((await payOrder(h.deps, session)).outcome).toBe('paid');
    const payments = await h.database.collections.payments.find({ sessionId }).toArray();
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      orderId: order._id,
      userId,
      provider: 'stripe',
      sessionId,
      paymentIntentId: session.payment_intent,
      status: 'succeeded',
      amount: 1500,
      currency: 'usd',
    });
    expect(payments[0]!.createdAt).toBeInstanceOf(Date);
  });

  it('the flat shipping rate counts: total + shipping is paid; without it the amount is a mismatch', async () => {
    const { order, sessionId } = await openOrder(h, 5, 1);
    await h.database.collections.orders.updateOne({ _id: order._id }, { $set: { shippingAmount: 500 } });
    const session = await paidSessionOf(sessionId);
    expect((await payOrder(h.deps, { ...session, amount_total: 2000 })).outcome).toBe('paid');
    const payment = await h.database.collections.payments.findOne({ sessionId });
    expect([payment?.status, payment?.amount, payment?.paymentIntentId]).toEqual(['succeeded', 2000, session.payment_intent]);

    const other = await openOrder(h, 5, 1);
    await h.database.collections.orders.updateOne({ _id: other.order._id }, { $set: { shippingAmount: 500 } });
    const short = await payOrder(h.deps, await paidSessionOf(other.sessionId));
    expect(short.outcome).toBe('amount_mismatch');
  });

  it('the right amount in another currency is a mismatch too, with both amounts in the reason', async () => {
    const { order, productId, sessionId } = await openOrder(h, 5, 1);
    const session = await paidSessionOf(sessionId);
    const outcome = await payOrder(h.deps, { ...session, currency: 'eur' });
    expect(outcome.outcome).toBe('amount_mismatch');
    const doc = await readOrder(h, order._id);
    expect(doc.status).toBe('needs_review');
    expect(doc.statusReason).toBe('amount mismatch: paid 1500 eur, order 1500 usd');
    // The alert operators are paged on (docs/runbooks): once, with both amounts.
    expect(
      logsOf(h, 'ALERT: paid amount does not match the order; order moved to needs_review, stock untouched', order._id),
    ).toEqual([
      {
        level: 50,
        orderId: order._id.toHexString(),
        sessionId,
        alert: 'payment_amount_mismatch',
        paid: 1500,
        paidCurrency: 'eur',
        expected: 1500,
        expectedCurrency: 'usd',
        msg: 'ALERT: paid amount does not match the order; order moved to needs_review, stock untouched',
      },
    ]);
    // Delivered again: the order is under review now, no second alert.
    expect((await payOrder(h.deps, { ...session, currency: 'eur' })).outcome).toBe('not_payable');
    expect(h.logs.filter((l) => l.alert === 'payment_amount_mismatch' && l.orderId === order._id.toHexString())).toHaveLength(1);
    expect(await levels(h, productId)).toEqual({ available: 4, reserved: 1 });
    expect((await h.database.collections.payments.findOne({ sessionId }))?.status).toBe('open');
  });

  it('stores the address Checkout collected (optional lines only when given), the payment time and the timeline', async () => {
    const { order, sessionId } = await openOrder(h, 5, 1);
    const session = await paidSessionOf(sessionId);
    const address = { line1: '1 Main St', line2: null, city: 'Springfield', postal_code: '12345', state: null, country: 'US' };
    const outcome = await payOrder(h.deps, {
      ...session,
      payment_intent: { id: session.payment_intent as string } as Stripe.PaymentIntent,
      collected_information: { shipping_details: { name: 'Ada L', address } } as never,
    });
    expect(outcome.outcome).toBe('paid');
    const doc = await readOrder(h, order._id);
    expect(doc.shippingAddress).toEqual({ name: 'Ada L', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' });
    expect(doc.paidAt).toBeInstanceOf(Date);
    expect(doc.statusReason).toBe('payment succeeded');
    expect(logsOf(h, 'order paid', order._id)).toEqual([
      { level: 30, orderId: order._id.toHexString(), sessionId, total: 1500, currency: 'usd', msg: 'order paid' },
    ]);
    expect(doc.timeline?.at(-1)).toMatchObject({ from: 'pending_payment', to: 'paid', by: 'stripe' });
    expect((await h.database.collections.payments.findOne({ sessionId }))?.paymentIntentId).toBe(session.payment_intent);

    const full = await openOrder(h, 5, 1);
    const fullSession = await paidSessionOf(full.sessionId);
    await payOrder(h.deps, {
      ...fullSession,
      collected_information: {
        shipping_details: { name: 'Bo', address: { ...address, line2: 'Apt 2', state: 'IL' } },
      } as never,
    });
    expect((await readOrder(h, full.order._id)).shippingAddress).toEqual({
      name: 'Bo',
      line1: '1 Main St',
      line2: 'Apt 2',
      city: 'Springfield',
      postalCode: '12345',
      state: 'IL',
      country: 'US',
    });
  });

  it('an incomplete collected address is not stored', async () => {
    const complete = { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' };
    const incomplete = [
      ...(['line1', 'city', 'postal_code', 'country'] as const).map((missing) => ({ ...complete, [missing]: null })),
      null,
    ];
    for (const address of incomplete) {
      const { order, sessionId } = await openOrder(h, 5, 1);
      const session = await paidSessionOf(sessionId);
      await payOrder(h.deps, { ...session, collected_information: { shipping_details: { name: 'X', address } } as never });
      const doc = await readOrder(h, order._id);
      expect([doc.status, doc.shippingAddress], JSON.stringify(address)).toEqual(['paid', undefined]);
    }
  });

  it('a late payment whose units are gone cannot be refunded without Stripe: it throws and changes nothing', async () => {
    const { order, productId, sessionId } = await openOrder(h, 1, 1);
    await endUnpaidOrder(h.database, order._id, 'expired', 'test');
    await changeStock(h.database, productId, { delta: -1, reason: 'sold in the shop', by: 'test' });
    const session = await paidSessionOf(sessionId);
    await expect(payOrder({ ...h.deps, stripe: null }, session)).rejects.toThrow(
      'cannot refund: Stripe or the payment intent is missing',
    );
    await expect(payOrder(h.deps, { ...session, payment_intent: null })).rejects.toThrow(
      'cannot refund: Stripe or the payment intent is missing',
    );
    expect((await readOrder(h, order._id)).status).toBe('expired');
    expect(h.sim.refunds().filter((r) => r.payment_intent === session.payment_intent)).toEqual([]);

    // With Stripe: refunded once, and the payment recorded from the session (the open record may
    // not exist yet: the session was paid before the shop wrote it).
    await h.database.collections.payments.deleteMany({ sessionId });
    const refunded = await payOrder(h.deps, session);
    expect(refunded.outcome).toBe('refunded_out_of_stock');
    const payment = await h.database.collections.payments.findOne({ sessionId });
    expect(payment).toMatchObject({
      orderId: order._id,
      userId: order.userId,
      provider: 'stripe',
      sessionId,
      paymentIntentId: session.payment_intent,
      status: 'refunded',
      amount: 1500,
      amountRefunded: 1500,
      currency: 'usd',
    });
    expect(payment?.createdAt).toBeInstanceOf(Date);
    const doc = await readOrder(h, order._id);
    expect([doc.status, doc.refunds?.map((r) => r.by)]).toEqual(['refunded', ['system:out-of-stock']]);
    expect(doc.statusReason).toBe('paid after the reservation lapsed and 1 item(s) sold out');
    expect(logsOf(h, 'paid order refunded: out of stock', order._id)).toEqual([
      {
        level: 40,
        orderId: order._id.toHexString(),
        missing: [productId.toHexString()],
        msg: 'paid order refunded: out of stock',
      },
    ]);
  });
});
