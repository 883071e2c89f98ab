/**
 * Partial refunds, called directly: the admin's refund of part of a payment, the remainder, the
 * refusals (too much, payments off, nothing captured), and partial refunds made in the Stripe
 * Dashboard that `charge.refunded` (not fully refunded) records one by one. Each test asserts the
 * order, the payment record, the stock, the emails and the refunds Stripe made.
 */
import { refundIdempotencyKey } from '@simple-shop/payments';
import { describe, expect, it } from 'vitest';
import { levels, logsOf, openOrder, paidOrder, readOrder, refundsOf, startOutcomeHarness } from './outcomes.test-support';
import { commitRefund, recordStripeRefund, refundOrder, RefundTooLargeError, restockAdjustmentId } from './refund';

const h = startOutcomeHarness('partial-refunds');
const payment = (paymentIntentId: string) => h.database.collections.payments.findOne({ paymentIntentId });
const email = (id: string) => h.database.collections.emailOutbox.findOne({ _id: id });

describe('refundOrder: part, then the rest', () => {
  it('900 of 3000 with restock, then the 2100 left: two Stripe refunds, refunded once, restocked once', async () => {
    const { order, productId, paymentIntentId } = await paidOrder(h, 5, 2);
    const orderId = order._id.toHexString();
    expect(await levels(h, productId)).toEqual({ available: 3, reserved: 0 });

    const part = await refundOrder(h.deps, order, {
      reason: 'one arrived broken',
      restock: true,
      from: ['paid'],
      by: 'admin:ops',
      amount: 900,
      idempotencyKey: 'first',
    });
    const [firstRefund] = refundsOf(h, paymentIntentId);
    expect([firstRefund?.amount, firstRefund?.metadata]).toEqual([
      900,
      { orderId, reason: 'one arrived broken', restock: 'true', by: 'admin:ops' },
    ]);
    const partialEmailId = `order_refunded:${orderId}:${firstRefund!.id}`;
    expect(part).toMatchObject({ outcome: 'partially_refunded', outboxIds: [partialEmailId], stockChanged: [productId] });
    let doc = await readOrder(h, order._id);
    expect([doc.status, doc.refundedAmount, doc.refundIds, doc.refundedAt]).toEqual([
      'paid',
      900,
      [firstRefund!.id],
      undefined,
    ]);
    expect(doc.refunds?.map((r) => [r.refundId, r.amount, r.reason, r.by])).toEqual([
      [firstRefund!.id, 900, 'one arrived broken', 'admin:ops'],
    ]);
    expect(doc.timeline?.at(-1)).toMatchObject({
      by: 'admin:ops',
      kind: 'payment',
      from: 'paid',
      to: 'paid',
      note: 'partial refund: one arrived broken',
      amount: 900,
    });
    expect(part.order).toMatchObject({ status: 'paid', refundedAmount: 900 });
    expect(await payment(paymentIntentId)).toMatchObject({
      status: 'partially_refunded',
      amountRefunded: 900,
      refundId: firstRefund!.id,
      amount: 3000,
    });
    expect(await email(partialEmailId)).toMatchObject({
      kind: 'order_refunded',
      subjectId: `${orderId}:${firstRefund!.id}`,
      data: { amount: 900, refundId: firstRefund!.id, reason: 'one arrived broken', total: 3000 },
    });
    // Restock is per sold line: both units are back, once.
    expect(await levels(h, productId)).toEqual({ available: 5, reserved: 0 });
    expect(await h.database.collections.inventoryAdjustments.findOne({ _id: restockAdjustmentId(order._id, productId) }))
      .toMatchObject({ delta: 2, kind: 'restock', status: 'applied', by: 'admin:ops', reason: 'one arrived broken' });

    const rest = await refundOrder(h.deps, doc, {
      reason: 'the rest',
      restock: true,
      from: ['paid'],
      by: 'admin:ops',
      amount: 2100,
      idempotencyKey: 'second',
    });
    const refunds = refundsOf(h, paymentIntentId);
    expect(refunds.map((r) => r.amount).sort()).toEqual([2100, 900]);
    const secondRefund = refunds.find((r) => r.amount === 2100)!;
    expect(rest).toMatchObject({ outcome: 'refunded', outboxIds: [`order_refunded:${orderId}`], stockChanged: [] });
    doc = await readOrder(h, order._id);
    expect([doc.status, doc.refundedAmount, doc.refundIds]).toEqual(['refunded', 3000, [firstRefund!.id, secondRefund.id]]);
    expect(doc.refundedAt).toBeInstanceOf(Date);
    expect(doc.timeline?.at(-1)).toMatchObject({ from: 'paid', to: 'refunded', amount: 2100 });
    expect(await payment(paymentIntentId)).toMatchObject({
      status: 'refunded',
      amountRefunded: 3000,
      refundId: secondRefund.id,
    });
    expect(await levels(h, productId)).toEqual({ available: 5, reserved: 0 });
    expect(logsOf(h, 'order partially refunded', order._id)).toEqual([
      { level: 30, orderId, refundId: firstRefund!.id, amount: 900, restock: true, msg: 'order partially refunded' },
    ]);
    expect(logsOf(h, 'order refunded', order._id)).toEqual([
      { level: 30, orderId, refundId: secondRefund.id, amount: 2100, restock: true, msg: 'order refunded' },
    ]);
    // The remainder after a partial refund is its own Stripe refund (its own key), not the order's full-refund key.
    const keys = h.sim
      .requests()
      .filter((r) => r.method === 'POST' && r.path === '/v1/refunds')
      .map((r) => r.idempotencyKey);
    expect(keys.slice(-2)).toEqual([`${refundIdempotencyKey(orderId)}-first`, `${refundIdempotencyKey(orderId)}-second`]);

    // Nothing is left: any further refund is refused before Stripe is asked.
    await expect(refundOrder(h.deps, doc, { reason: 'x', restock: false, from: ['refunded'], by: 'a', amount: 1 })).rejects.toThrow(
      new RefundTooLargeError(1, 0),
    );
    await expect(refundOrder(h.deps, doc, { reason: 'x', restock: false, from: ['refunded'], by: 'a' })).rejects.toMatchObject({
      code: 'REFUND_TOO_LARGE',
      requested: 0,
      refundable: 0,
    });
    expect(refundsOf(h, paymentIntentId)).toHaveLength(2);
  });

  it('a full refund uses the order key and refunds exactly what was paid; without restock the stock stays sold', async () => {
    const { order, productId, paymentIntentId } = await paidOrder(h, 4, 1);
    const orderId = order._id.toHexString();
    const full = await refundOrder(h.deps, order, { reason: 'goodwill', restock: false, from: ['paid'], by: 'admin:1', amount: 1500 });
    expect(full).toMatchObject({ outcome: 'refunded', outboxIds: [`order_refunded:${orderId}`], stockChanged: [] });
    const [refund] = refundsOf(h, paymentIntentId);
    expect(refund?.amount).toBe(1500);
    const request = h.sim.requests().filter((r) => r.path === '/v1/refunds').at(-1);
    expect(request?.idempotencyKey).toBe(refundIdempotencyKey(orderId));
    expect(await levels(h, productId)).toEqual({ available: 3, reserved: 0 });
    expect(await h.database.collections.inventoryAdjustments.countDocuments({ orderId: order._id })).toBe(0);
    expect(await payment(paymentIntentId)).toMatchObject({ status: 'refunded', amountRefunded: 1500 });
  });

  it('refuses more than was paid, with payments off, and an order with nothing captured — without asking Stripe', async () => {
    const { order, paymentIntentId } = await paidOrder(h, 4, 1);
    const before = await readOrder(h, order._id);
    const error = await refundOrder(h.deps, order, { reason: 'x', restock: false, from: ['paid'], by: 'a', amount: 1501 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RefundTooLargeError);
    expect(error).toMatchObject({
      code: 'REFUND_TOO_LARGE',
      requested: 1501,
      refundable: 1500,
      message: 'at most 1500 can still be refunded, 1501 was asked',
    });
    await expect(
      refundOrder({ ...h.deps, stripe: null }, order, { reason: 'x', restock: false, from: ['paid'], by: 'a' }),
    ).rejects.toMatchObject({ code: 'PAYMENTS_DISABLED', message: 'Payments are not configured' });
    expect(refundsOf(h, paymentIntentId)).toEqual([]);
    expect(await readOrder(h, order._id)).toEqual(before);

    const unpaid = await openOrder(h, 4, 1);
    await expect(
      refundOrder(h.deps, unpaid.order, { reason: 'x', restock: false, from: ['paid'], by: 'a' }),
    ).rejects.toThrow(`order ${unpaid.order._id.toHexString()} has no captured payment to refund`);
  });
});

describe('charge.refunded for a charge not fully refunded', () => {
  it('records each partial refund not recorded yet, oldest first: outside ones without restock, the shop’s own as it asked', async () => {
    const { order, productId, paymentIntentId } = await paidOrder(h, 5, 2);
    const orderId = order._id.toHexString();
    const dashboard1 = await h.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 500 });
    const own = await h.stripe.refunds.create({
      payment_intent: paymentIntentId,
      amount: 700,
      metadata: { orderId, reason: 'a missing part', restock: 'true', by: 'admin:desk' },
    });
    const dashboard2 = await h.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 300 });
    const charge = { id: 'ch_partial', refunded: false, payment_intent: paymentIntentId, metadata: {} };

    const recorded = await recordStripeRefund(h.deps, charge);
    expect(recorded.outcome).toBe('partially_refunded');
    expect(recorded.outboxIds).toEqual([dashboard1, own, dashboard2].map((r) => `order_refunded:${orderId}:${r.id}`));
    const doc = await readOrder(h, order._id);
    expect([doc.status, doc.refundedAmount]).toEqual(['paid', 1500]);
    expect(doc.refunds?.map((r) => [r.refundId, r.amount, r.by, r.reason])).toEqual([
      [dashboard1.id, 500, 'stripe', 'refunded in Stripe'],
      [own.id, 700, 'admin:desk', 'a missing part'],
      [dashboard2.id, 300, 'stripe', 'refunded in Stripe'],
    ]);
    // Only the shop's own refund asked for a restock.
    expect(await levels(h, productId)).toEqual({ available: 5, reserved: 0 });
    expect(await payment(paymentIntentId)).toMatchObject({ status: 'partially_refunded', amountRefunded: 1500 });

    const again = await recordStripeRefund(h.deps, charge);
    expect(again).toMatchObject({ outcome: 'unchanged', outboxIds: [] });
    expect((await readOrder(h, order._id)).refunds).toHaveLength(3);
  });

  it('a Dashboard partial refund alone leaves the stock sold', async () => {
    const { order, productId, paymentIntentId } = await paidOrder(h, 5, 2);
    const refund = await h.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 1000 });
    const recorded = await recordStripeRefund(h.deps, { id: 'ch_x', refunded: false, payment_intent: paymentIntentId, metadata: {} });
    expect(recorded).toMatchObject({ outcome: 'partially_refunded', stockChanged: [] });
    expect((await readOrder(h, order._id)).refundIds).toEqual([refund.id]);
    expect(await levels(h, productId)).toEqual({ available: 3, reserved: 0 });
  });

  it('changes nothing for a charge without a payment intent, an unknown payment, or when payments are off', async () => {
    const { order, paymentIntentId } = await paidOrder(h, 5, 1);
    await h.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 100 });
    const before = await readOrder(h, order._id);
    const charge = { id: 'ch_y', refunded: false, payment_intent: paymentIntentId, metadata: {} };
    expect((await recordStripeRefund(h.deps, { ...charge, payment_intent: null })).outcome).toBe('unchanged');
    expect((await recordStripeRefund(h.deps, { ...charge, payment_intent: 'pi_unknown' })).outcome).toBe('unchanged');
    expect((await recordStripeRefund({ ...h.deps, stripe: null }, charge)).outcome).toBe('unchanged');
    expect(await readOrder(h, order._id)).toEqual(before);
    // The same charge with the intent expanded (an object, not an id) is recorded.
    const expanded = { ...charge, payment_intent: { id: paymentIntentId } as never };
    expect((await recordStripeRefund(h.deps, expanded)).outcome).toBe('partially_refunded');
    expect((await readOrder(h, order._id)).refundedAmount).toBe(100);
  });

  it('a payment whose order is gone changes nothing', async () => {
    const { order, paymentIntentId } = await paidOrder(h, 5, 1);
    await h.stripe.refunds.create({ payment_intent: paymentIntentId, amount: 100 });
    await h.database.collections.orders.deleteOne({ _id: order._id });
    const charge = { id: 'ch_z', refunded: false, payment_intent: paymentIntentId, metadata: {} };
    expect((await recordStripeRefund(h.deps, charge)).outcome).toBe('unchanged');
    expect((await recordStripeRefund(h.deps, { ...charge, refunded: true })).outcome).toBe('unchanged');
    expect(await h.database.collections.emailOutbox.countDocuments({ subjectId: order._id.toHexString() })).toBe(1);
    expect(await h.database.collections.orders.findOne({ _id: order._id })).toBeNull();
    expect(await payment(paymentIntentId)).toMatchObject({ status: 'succeeded' });
  });
});

describe('refusals and limits of a refund', () => {
  it('commitRefund of an order not in the allowed statuses records nothing, full or partial', async () => {
    const { order, paymentIntentId } = await paidOrder(h, 5, 1);
    await h.database.collections.orders.updateOne({ _id: order._id }, { $set: { status: 'needs_review' } });
    const before = await readOrder(h, order._id);
    const paymentBefore = await payment(paymentIntentId);
    const commit = { reason: 'x', restock: true, from: ['paid'] as const, paymentIntentId, by: 'admin:1' };
    expect(await commitRefund(h.deps, order._id, { ...commit, refundId: 're_full' })).toMatchObject({
      outcome: 'unchanged',
      outboxIds: [],
      stockChanged: [],
    });
    expect(await commitRefund(h.deps, order._id, { ...commit, refundId: 're_part', amount: 100 })).toMatchObject({
      outcome: 'unchanged',
    });
    expect(await readOrder(h, order._id)).toEqual(before);
    expect(await payment(paymentIntentId)).toEqual(paymentBefore);
    expect(await h.database.collections.inventoryAdjustments.countDocuments({ orderId: order._id })).toBe(0);
    expect(await h.database.collections.emailOutbox.countDocuments({ kind: 'order_refunded', subjectId: order._id.toHexString() })).toBe(0);
  });

  it('what the Stripe refund carries is cut to Stripe’s 500 characters; the order keeps the whole reason', async () => {
    const { order, paymentIntentId } = await paidOrder(h, 5, 1);
    const reason = 'r'.repeat(600);
    const by = `admin:${'b'.repeat(600)}`;
    await refundOrder(h.deps, order, { reason, restock: false, from: ['paid'], by });
    const [refund] = refundsOf(h, paymentIntentId);
    expect([refund?.metadata?.reason, refund?.metadata?.by]).toEqual([reason.slice(0, 500), by.slice(0, 500)]);
    expect((await readOrder(h, order._id)).refunds?.map((r) => [r.reason, r.by])).toEqual([[reason, by]]);
  });

  it('a full refund in the Dashboard is recorded, and restocked, even when the shop cannot list refunds (payments off)', async () => {
    const { order, productId, paymentIntentId } = await paidOrder(h, 5, 2);
    await h.stripe.refunds.create({ payment_intent: paymentIntentId });
    const charge = { id: 'ch_full', refunded: true, payment_intent: paymentIntentId, metadata: {} };
    const recorded = await recordStripeRefund({ ...h.deps, stripe: null }, charge);
    expect(recorded).toMatchObject({ outcome: 'refunded', stockChanged: [productId] });
    const doc = await readOrder(h, order._id);
    expect([doc.status, doc.refundIds, doc.refunds?.map((r) => [r.amount, r.by, r.reason])]).toEqual([
      'refunded',
      ['ch_full'],
      [[3000, 'stripe', 'refunded in Stripe']],
    ]);
    expect(await levels(h, productId)).toEqual({ available: 5, reserved: 0 });
  });
});
