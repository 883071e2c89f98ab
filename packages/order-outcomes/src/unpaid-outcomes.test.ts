/**
 * How an unpaid order ends, branch by branch: closing its Checkout Session (open, paid, a delayed
 * payment still processing, already expired, unknown), reconciliation's expiry of an overdue
 * order, a failed payment, and every answer of cancel (unpaid, paid, shipped, under review,
 * already ended, and a cancel working from a stale copy of the order).
 */
import type { OrderDoc } from '@simple-shop/db';
import { endUnpaidOrder } from '@simple-shop/orders';
import { describe, expect, it } from 'vitest';
import { closeSessionOrFindPaid } from './checkout-session';
import { cancelOrder, expireOrder, expireOverdueOrder, failPayment } from './end-unpaid';
import { levels, logsOf, openOrder, paidOrder, readOrder, refundsOf, startOutcomeHarness } from './outcomes.test-support';

const h = startOutcomeHarness('unpaid-outcomes');
const sessionStatus = (id: string) => h.sim.sessions().find((s) => s.id === id)?.status;
const paymentStatus = async (sessionId: string) =>
  (await h.database.collections.payments.findOne({ sessionId }))?.status;

describe('closeSessionOrFindPaid', () => {
  it('closes an open session; tells paid, processing and expired ones apart; throws on other Stripe errors', async () => {
    const open = await openOrder(h, 9, 1);
    expect(await closeSessionOrFindPaid(h.stripe, open.sessionId)).toBe('closed');
    expect(sessionStatus(open.sessionId)).toBe('expired');
    expect(await closeSessionOrFindPaid(h.stripe, open.sessionId)).toBe('expired');

    const paid = await openOrder(h, 9, 1);
    await h.sim.pay(paid.sessionId);
    expect(await closeSessionOrFindPaid(h.stripe, paid.sessionId)).toBe('paid');

    const processing = await openOrder(h, 9, 1);
    await h.sim.pay(processing.sessionId, { async: true });
    expect(await closeSessionOrFindPaid(h.stripe, processing.sessionId)).toBe('processing');
    expect(sessionStatus(processing.sessionId)).toBe('complete');

    await expect(closeSessionOrFindPaid(h.stripe, 'cs_test_unknown')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
    });
  });
});

describe('closeSessionOrFindPaid when Stripe fails', () => {
  it('a Stripe server error on expiry is thrown, not read as "already closed": the session stays open and payable', async () => {
    const open = await openOrder(h, 9, 1);
    // The expiry and the client's two retries fail; a read afterwards would succeed.
    h.sim.faults.set({ failNextApiCalls: 3 });
    const error = await closeSessionOrFindPaid(h.stripe, open.sessionId).catch((e: unknown) => e);
    h.sim.faults.reset();
    expect(error).toMatchObject({ type: 'StripeAPIError', statusCode: 500 });
    expect(sessionStatus(open.sessionId)).toBe('open');
  });
});

describe('expireOrder and expireOverdueOrder', () => {
  it('an overdue order with an open session: the session is closed first, then the order expires and its units come back', async () => {
    const { order, productId, sessionId } = await openOrder(h, 4, 3);
    const outcome = await expireOverdueOrder(h.deps, order);
    expect(outcome).toMatchObject({ outcome: 'expired', outboxIds: [], stockChanged: [productId] });
    expect(outcome.order?.status).toBe('expired');
    expect((await readOrder(h, order._id)).statusReason).toBe('checkout session expired');
    expect(sessionStatus(sessionId)).toBe('expired');
    expect(await paymentStatus(sessionId)).toBe('expired');
    expect(await levels(h, productId)).toEqual({ available: 4, reserved: 0 });
    expect(logsOf(h, 'unpaid order expired; stock released', order._id)).toEqual([
      { level: 30, orderId: order._id.toHexString(), released: 1, msg: 'unpaid order expired; stock released' },
    ]);
  });

  it('an overdue order paid on Stripe is left for the completion path (paid_elsewhere), its units still held', async () => {
    const { order, productId, sessionId } = await openOrder(h, 4, 3);
    await h.sim.pay(sessionId);
    expect(await expireOverdueOrder(h.deps, order)).toMatchObject({ outcome: 'paid_elsewhere', order: null });
    expect((await readOrder(h, order._id)).status).toBe('pending_payment');
    expect(await paymentStatus(sessionId)).toBe('open');
    expect(await levels(h, productId)).toEqual({ available: 1, reserved: 3 });
  });

  it('an overdue order whose delayed payment is processing is left alone until Stripe decides', async () => {
    const { order, productId, sessionId } = await openOrder(h, 4, 3);
    await h.sim.pay(sessionId, { async: true });
    expect((await expireOverdueOrder(h.deps, order)).outcome).toBe('processing');
    expect((await readOrder(h, order._id)).status).toBe('pending_payment');
    expect(await levels(h, productId)).toEqual({ available: 1, reserved: 3 });
  });

  it('without Stripe, or without a session, an overdue order just expires', async () => {
    const a = await openOrder(h, 4, 1);
    expect((await expireOverdueOrder({ ...h.deps, stripe: null }, a.order)).outcome).toBe('expired');
    expect(sessionStatus(a.sessionId)).toBe('open');
    expect(await paymentStatus(a.sessionId)).toBe('expired');

    const b = await openOrder(h, 4, 1);
    const { checkoutSessionId: _, ...withoutSession } = b.order;
    expect((await expireOverdueOrder(h.deps, withoutSession)).outcome).toBe('expired');
    expect(sessionStatus(b.sessionId)).toBe('open');
    // No session given: no payment record is touched.
    expect(await paymentStatus(b.sessionId)).toBe('open');
    expect(await levels(h, b.productId)).toEqual({ available: 4, reserved: 0 });
  });

  it('expiring a paid order changes nothing, but its open payment record of that session is closed', async () => {
    const { order, productId, sessionId } = await paidOrder(h, 4, 1);
    expect(await expireOrder(h.deps, order._id, sessionId)).toMatchObject({ outcome: 'unchanged', order: null, stockChanged: [] });
    expect((await readOrder(h, order._id)).status).toBe('paid');
    expect(await paymentStatus(sessionId)).toBe('succeeded');
    expect(await levels(h, productId)).toEqual({ available: 3, reserved: 0 });
  });
});

describe('failPayment', () => {
  it('records the reason in the one email; a customer who is gone gets none, the stock is released all the same', async () => {
    const { order, productId } = await openOrder(h, 4, 2);
    const failed = await failPayment(h.deps, order._id, 'insufficient funds');
    const emailId = `payment_failed:${order._id.toHexString()}`;
    expect(failed).toMatchObject({ outcome: 'failed', outboxIds: [emailId], stockChanged: [productId] });
    expect(failed.order?.status).toBe('payment_failed');
    expect(await h.database.collections.emailOutbox.findOne({ _id: emailId })).toMatchObject({
      subject: 'Payment failed',
      data: { reason: 'insufficient funds', total: 3000 },
    });
    expect(logsOf(h, 'payment failed; stock released', order._id)).toEqual([
      {
        level: 30,
        orderId: order._id.toHexString(),
        reason: 'insufficient funds',
        released: 1,
        msg: 'payment failed; stock released',
      },
    ]);

    const orphan = await openOrder(h, 4, 2, { customer: false });
    expect(await failPayment(h.deps, orphan.order._id, 'declined')).toMatchObject({
      outcome: 'failed',
      outboxIds: [],
      stockChanged: [orphan.productId],
    });
    expect(await levels(h, orphan.productId)).toEqual({ available: 4, reserved: 0 });
  });
});

describe('cancelOrder', () => {
  it('an unpaid order whose delayed payment is processing is refused with PAYMENT_IN_PROGRESS', async () => {
    const { order, productId, sessionId } = await openOrder(h, 3, 1);
    await h.sim.pay(sessionId, { async: true });
    await expect(cancelOrder(h.deps, order)).rejects.toMatchObject({
      name: 'OutcomeConflictError',
      code: 'PAYMENT_IN_PROGRESS',
      message: 'This order has just been paid; cancel it again to refund it',
    });
    expect((await readOrder(h, order._id)).status).toBe('pending_payment');
    expect(await levels(h, productId)).toEqual({ available: 2, reserved: 1 });
  });

  it('an unpaid order without Stripe or without a session is cancelled without a Stripe call', async () => {
    const a = await openOrder(h, 3, 1);
    const calls = h.sim.requests().length;
    expect(await cancelOrder({ ...h.deps, stripe: null }, a.order)).toMatchObject({
      outcome: 'cancelled',
      outboxIds: [],
      stockChanged: [a.productId],
    });
    expect((await readOrder(h, a.order._id)).statusReason).toBe('cancelled by customer');
    const b = await openOrder(h, 3, 1);
    const { checkoutSessionId: _, ...withoutSession } = b.order;
    const callsBefore = h.sim.requests().length;
    expect((await cancelOrder(h.deps, withoutSession as OrderDoc)).outcome).toBe('cancelled');
    expect(h.sim.requests().length).toBe(callsBefore);
    expect(callsBefore - calls).toBe(1); // only b's session creation
    expect([sessionStatus(a.sessionId), sessionStatus(b.sessionId)]).toEqual(['open', 'open']);
    expect((await readOrder(h, b.order._id)).status).toBe('cancelled');
  });

  it('cancelling from a stale copy: already cancelled is unchanged, ended otherwise is INVALID_STATE', async () => {
    const a = await openOrder(h, 3, 1);
    await endUnpaidOrder(h.database, a.order._id, 'cancelled', 'test');
    const unchanged = await cancelOrder({ ...h.deps, stripe: null }, a.order);
    expect(unchanged.outcome).toBe('unchanged');
    expect(unchanged.order?.status).toBe('cancelled');

    const b = await openOrder(h, 3, 1);
    await endUnpaidOrder(h.database, b.order._id, 'expired', 'test');
    await expect(cancelOrder({ ...h.deps, stripe: null }, b.order)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'Order is expired and cannot be cancelled',
    });
    await h.database.collections.orders.deleteOne({ _id: b.order._id });
    await expect(cancelOrder({ ...h.deps, stripe: null }, b.order)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'Order is gone and cannot be cancelled',
    });
  });

  it('cancelled and refunded orders are returned as they are, without a Stripe call', async () => {
    const { order } = await openOrder(h, 3, 1);
    const calls = h.sim.requests().length;
    for (const status of ['cancelled', 'refunded'] as const) {
      const outcome = await cancelOrder(h.deps, { ...order, status });
      expect(outcome).toMatchObject({ outcome: 'unchanged', outboxIds: [], stockChanged: [] });
      expect(outcome.order?.status).toBe(status);
    }
    expect(h.sim.requests().length).toBe(calls);
  });

  it('a paid order already on its way, or one under review, cannot be cancelled; nothing is refunded', async () => {
    const { order, paymentIntentId } = await paidOrder(h, 3, 1);
    await expect(cancelOrder(h.deps, { ...order, fulfilmentStatus: 'shipped' })).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'Order is shipped and cannot be cancelled',
    });
    await expect(cancelOrder(h.deps, { ...order, status: 'needs_review' })).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'An order that is needs_review cannot be cancelled',
    });
    expect(refundsOf(h, paymentIntentId)).toEqual([]);
    expect((await readOrder(h, order._id)).status).toBe('paid');
  });

  it('cancelling a paid order twice from the same stale copy refunds once; the second answer is unchanged with the refunded order', async () => {
    const { order, productId, paymentIntentId } = await paidOrder(h, 3, 1);
    const { order: legacy } = await paidOrder(h, 3, 1);
    expect((await cancelOrder(h.deps, order)).outcome).toBe('refunded');
    const refunded = await readOrder(h, order._id);
    expect([refunded.statusReason, refunded.refunds?.map((r) => [r.by, r.reason])]).toEqual([
      'cancelled by customer after payment',
      [['customer', 'cancelled by customer after payment']],
    ]);
    const again = await cancelOrder(h.deps, order);
    expect(again).toMatchObject({ outcome: 'unchanged', outboxIds: [] });
    expect(again.order?.status).toBe('refunded');
    expect(refundsOf(h, paymentIntentId)).toHaveLength(1);
    expect(await levels(h, productId)).toEqual({ available: 3, reserved: 0 });

    // An order written before fulfilment existed counts as unfulfilled: it can be cancelled.
    const { fulfilmentStatus: _, ...unfulfilled } = legacy;
    expect((await cancelOrder(h.deps, unfulfilled)).outcome).toBe('refunded');
  });

  it('cancelling a paid order that is gone meanwhile is INVALID_STATE, not an empty success', async () => {
    const { order } = await paidOrder(h, 3, 1);
    await h.database.collections.orders.deleteOne({ _id: order._id });
    await expect(cancelOrder(h.deps, order)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'An order that is paid cannot be cancelled',
    });
  });
});
