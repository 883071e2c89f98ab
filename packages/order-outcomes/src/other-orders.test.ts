/**
 * Refunds touch one order only. Each test first makes another order (the bystander: paid, with
 * its payment, sold reservation and a recorded refund of its own), then refunds a second order, and
 * checks that the bystander's order, payment, product and reservations are exactly as before.
 * Mutation testing runs each covering test alone in a fresh database, so without a bystander a
 * query that lost its filter would still find the one order there is.
 * Also: an order with a shipping rate, where what was paid differs from the order's total.
 */
import type { ObjectId } from '@simple-shop/db';
import { changeStock, endUnpaidOrder } from '@simple-shop/orders';
import { checkoutSessionParams } from '@simple-shop/payments';
import { describe, expect, it } from 'vitest';
import { levels, openOrder, paidOrder, readOrder, refundsOf, startOutcomeHarness, type PaidOrder } from './outcomes.test-support';
import { payOrder } from './pay-order';
import { recordStripeRefund, refundOrder } from './refund';

const h = startOutcomeHarness('other-orders');

async function bystander(): Promise<{ order: PaidOrder; unchanged: () => Promise<void> }> {
  const order = await paidOrder(h, 5, 1);
  await refundOrder(h.deps, order.order, { reason: 'own', restock: false, from: ['paid'], by: 'admin:1', amount: 100, idempotencyKey: 'b' });
  const snapshot = async () => ({
    order: await readOrder(h, order.order._id),
    payments: await h.database.collections.payments.find({ orderId: order.order._id }).toArray(),
    product: await h.database.collections.products.findOne({ _id: order.productId }),
    reservations: await h.database.collections.reservations.find({ orderId: order.order._id }).toArray(),
    adjustments: await h.database.collections.inventoryAdjustments.find({ productId: order.productId }).toArray(),
  });
  const before = await snapshot();
  return { order, unchanged: async () => expect(await snapshot()).toEqual(before) };
}

const adjustmentsOf = async (orderId: ObjectId) =>
  (await h.database.collections.inventoryAdjustments.find({ orderId }).toArray()).map((a) => a._id);

describe('refunds leave other orders alone', () => {
  it('part with restock, then the rest: only this order, its payment and its product move', async () => {
    const other = await bystander();
    const { order, productId, paymentIntentId } = await paidOrder(h, 5, 2);
    await refundOrder(h.deps, order, { reason: 'part', restock: true, from: ['paid'], by: 'admin:1', amount: 900, idempotencyKey: 'p' });
    await refundOrder(h.deps, await readOrder(h, order._id), { reason: 'rest', restock: true, from: ['paid'], by: 'admin:1' });
    const doc = await readOrder(h, order._id);
    expect([doc.status, doc.refundedAmount, doc.refunds?.map((r) => r.amount)]).toEqual(['refunded', 3000, [900, 2100]]);
    expect(await h.database.collections.payments.findOne({ paymentIntentId })).toMatchObject({ status: 'refunded', amountRefunded: 3000 });
    expect(await adjustmentsOf(order._id)).toEqual([`restock-${order._id.toHexString()}-${productId.toHexString()}`]);
    expect(await levels(h, productId)).toEqual({ available: 5, reserved: 0 });
    await other.unchanged();
  });

  it('charge.refunded, partial then full: only this charge’s refunds are recorded, on this order', async () => {
    const other = await bystander();
    const { order, productId, paymentIntentId } = await paidOrder(h, 5, 2);
    const part = await h.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 300 });
    // The shop's own partial refund without restock, whose request died before it was recorded.
    const own = await h.stripe.refunds.create({
      payment_intent: paymentIntentId,
      amount: 200,
      metadata: { orderId: order._id.toHexString(), reason: 'scratched', restock: 'false', by: 'admin:2' },
    });
    const charge = { id: 'ch_target', refunded: false, payment_intent: paymentIntentId, metadata: {} };
    expect((await recordStripeRefund(h.deps, charge)).outcome).toBe('partially_refunded');
    const afterPart = await readOrder(h, order._id);
    expect(afterPart.refunds?.map((r) => [r.refundId, r.amount, r.by, r.reason])).toEqual([
      [part.id, 300, 'stripe', 'refunded in Stripe'],
      [own.id, 200, 'admin:2', 'scratched'],
    ]);
    expect(await levels(h, productId)).toEqual({ available: 3, reserved: 0 });

    // The rest refunded in the Dashboard: recorded as the remainder (3000 paid − 500 already refunded).
    await h.stripe.refunds.create({ payment_intent: paymentIntentId });
    expect((await recordStripeRefund(h.deps, { ...charge, refunded: true })).outcome).toBe('refunded');
    const doc = await readOrder(h, order._id);
    expect([doc.status, doc.refundedAmount, doc.refunds?.map((r) => [r.amount, r.by])]).toEqual([
      'refunded',
      3000,
      [
        [300, 'stripe'],
        [200, 'admin:2'],
        [2500, 'stripe'],
      ],
    ]);
    expect(await levels(h, productId)).toEqual({ available: 5, reserved: 0 });
    await other.unchanged();
  });

  it('a late payment refunded out of stock writes its own payment record, not another order’s', async () => {
    const other = await bystander();
    const open = await openOrder(h, 5, 1);
    const { order, productId, sessionId } = await openOrder(h, 1, 1);
    await endUnpaidOrder(h.database, order._id, 'expired', 'test');
    await changeStock(h.database, productId, { delta: -1, reason: 'sold in the shop', by: 'test' });
    await h.database.collections.payments.deleteMany({ sessionId });
    await h.sim.pay(sessionId);
    const outcome = await payOrder(h.deps, await h.stripe.checkout.sessions.retrieve(sessionId));
    expect(outcome.outcome).toBe('refunded_out_of_stock');
    expect(await h.database.collections.payments.find({ orderId: order._id }).toArray()).toMatchObject([
      { sessionId, status: 'refunded', amount: 1500, amountRefunded: 1500 },
    ]);
    expect((await h.database.collections.payments.findOne({ sessionId: open.sessionId }))?.status).toBe('open');
    await other.unchanged();
  });
});

describe('charge.refunded for the shop’s own full refund, and for a charge without a payment intent', () => {
  it('the shop’s own full refund with restock, not recorded yet, is recorded from its metadata and restocked', async () => {
    const other = await bystander();
    const { order, productId, paymentIntentId } = await paidOrder(h, 5, 2);
    const orderId = order._id.toHexString();
    const refund = await h.stripe.refunds.create({
      payment_intent: paymentIntentId,
      metadata: { orderId, reason: 'cancelled by customer after payment', restock: 'true', by: 'customer' },
    });
    const charge = { id: 'ch_own', refunded: true, payment_intent: paymentIntentId, metadata: {} };
    expect((await recordStripeRefund(h.deps, charge)).outcome).toBe('refunded');
    const doc = await readOrder(h, order._id);
    expect([doc.refundIds, doc.refunds?.map((r) => [r.by, r.reason])]).toEqual([
      [refund.id],
      [['customer', 'cancelled by customer after payment']],
    ]);
    expect(await levels(h, productId)).toEqual({ available: 5, reserved: 0 });
    await other.unchanged();
  });

  it('a charge without a payment intent changes nothing, with unpaid orders (payments without an intent) around', async () => {
    const other = await bystander();
    const unpaid = await openOrder(h, 5, 1);
    const before = await h.database.collections.payments.findOne({ sessionId: unpaid.sessionId });
    for (const refunded of [true, false]) {
      const outcome = await recordStripeRefund(h.deps, { id: 'ch_none', refunded, payment_intent: null, metadata: {} });
      expect(outcome).toMatchObject({ outcome: 'unchanged', order: null, outboxIds: [] });
    }
    expect(await h.database.collections.payments.findOne({ sessionId: unpaid.sessionId })).toEqual(before);
    expect(await readOrder(h, unpaid.order._id)).toMatchObject({ status: 'pending_payment' });
    await other.unchanged();
  });
});

describe('charge.refunded for an order that is gone', () => {
  it('the shop’s own refund of a deleted order changes nothing', async () => {
    const { order, paymentIntentId } = await paidOrder(h, 5, 1);
    await h.stripe.refunds.create({
      payment_intent: paymentIntentId,
      metadata: { orderId: order._id.toHexString(), reason: 'x', restock: 'true', by: 'admin:1' },
    });
    await h.database.collections.orders.deleteOne({ _id: order._id });
    const outcome = await recordStripeRefund(h.deps, { id: 'ch_gone', refunded: true, payment_intent: paymentIntentId, metadata: {} });
    expect(outcome).toMatchObject({ outcome: 'unchanged', outboxIds: [], stockChanged: [] });
    expect(await h.database.collections.orders.findOne({ _id: order._id })).toBeNull();
  });
});

describe('a restock whose product is gone', () => {
  it('is rejected, and the product is not reported as changed', async () => {
    const { order, productId } = await paidOrder(h, 5, 1);
    await h.database.collections.products.deleteOne({ _id: productId });
    const refunded = await refundOrder(h.deps, order, { reason: 'x', restock: true, from: ['paid'], by: 'admin:1' });
    expect(refunded).toMatchObject({ outcome: 'refunded', stockChanged: [] });
    expect(await h.database.collections.inventoryAdjustments.find({ orderId: order._id }).toArray()).toMatchObject([
      { productId, kind: 'restock', status: 'rejected' },
    ]);
  });
});

describe('an order with a shipping rate', () => {
  it('refunds what was paid (total + shipping), not the order total; more is refused', async () => {
    const { order } = await openOrder(h, 5, 1);
    // A session with the flat rate, as the API opens it for an order whose rate is fixed.
    const created = await h.stripe.checkout.sessions.create(
      checkoutSessionParams(order, {
        successUrl: 'http://shop.test/ok',
        cancelUrl: 'http://shop.test/cancel',
        expiresAt: new Date(Date.now() + 3600_000),
        shippingAmount: 500,
      }),
    );
    await h.database.collections.orders.updateOne(
      { _id: order._id },
      { $set: { shippingAmount: 500, checkoutSessionId: created.id } },
    );
    await h.sim.pay(created.id);
    const session = await h.stripe.checkout.sessions.retrieve(created.id);
    expect(session.amount_total).toBe(2000);
    const paid = await payOrder(h.deps, session);
    expect(paid.outcome).toBe('paid');
    const paymentIntentId = session.payment_intent as string;
    await expect(
      refundOrder(h.deps, paid.order!, { reason: 'x', restock: false, from: ['paid'], by: 'a', amount: 2001 }),
    ).rejects.toMatchObject({ code: 'REFUND_TOO_LARGE', refundable: 2000 });
    const full = await refundOrder(h.deps, paid.order!, { reason: 'all', restock: false, from: ['paid'], by: 'a' });
    expect(full.outcome).toBe('refunded');
    expect(full.order?.refundedAmount).toBe(2000);
    expect(refundsOf(h, paymentIntentId).map((r) => r.amount)).toEqual([2000]);
  });
});
