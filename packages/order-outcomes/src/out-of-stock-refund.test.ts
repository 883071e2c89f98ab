/**
 * A payment that arrives after its order's units were sold is refunded. If the process dies after
 * Stripe made that refund but before the shop recorded it (or Stripe fails the refund), the event is
 * delivered again. Meanwhile the units may be back (a cancel, a restock). The retry must finish the
 * refund, not pay the order: paying would ship goods whose money Stripe has already returned.
 */
import { type ObjectId } from '@simple-shop/db';
import { changeStock, endUnpaidOrder } from '@simple-shop/orders';
import { createStripeClient } from '@simple-shop/payments';
import { describe, expect, it } from 'vitest';
import type { OutcomeDeps } from './deps';
import { startOutcomeHarness, openOrder } from './outcomes.test-support';
import { payOrder } from './pay-order';

const h = startOutcomeHarness('out_of_stock');

/** An order whose reservation lapsed and whose only unit was sold; its session then paid. */
async function paidTooLate() {
  const { productId, order, sessionId } = await openOrder(h, 1, 1);
  await endUnpaidOrder(h.database, order._id, 'expired', 'test');
  await changeStock(h.database, productId, { delta: -1, reason: 'sold in the shop', by: 'test' });
  await h.sim.pay(sessionId);
  return {
    product: { _id: productId },
    orderId: order._id,
    session: await h.stripe.checkout.sessions.retrieve(sessionId),
  };
}

/** Deps whose process "dies" right after Stripe answers a refund: Stripe has refunded, nothing is recorded. */
function diesAfterStripeRefunds(): OutcomeDeps {
  const client = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_API_BASE: h.sim.url })!;
  const create = client.refunds.create.bind(client.refunds);
  client.refunds.create = (async (...args: Parameters<typeof create>) => {
    await create(...args);
    throw new Error('process died after Stripe refunded');
  }) as typeof client.refunds.create;
  return { ...h.deps, stripe: client };
}

async function endState(orderId: ObjectId, productId: ObjectId) {
  const order = await h.database.collections.orders.findOne({ _id: orderId });
  const product = await h.database.collections.products.findOne({ _id: productId });
  const payments = await h.database.collections.payments.find({ orderId }).toArray();
  return {
    status: order?.status,
    refundedAmount: order?.refundedAmount,
    refundIds: order?.refundIds,
    payments: payments.map((p) => [p.status, p.amount, p.amountRefunded]),
    stock: { available: product?.stock, reserved: product?.reserved ?? 0 },
    refundEmails: await h.database.collections.emailOutbox.countDocuments({
      subjectId: orderId.toHexString(),
      kind: 'order_refunded',
    }),
    confirmationEmails: await h.database.collections.emailOutbox.countDocuments({
      subjectId: orderId.toHexString(),
      kind: 'order_confirmation',
    }),
    stripeRefunds: h.sim
      .refunds()
      .filter((r) => r.metadata?.orderId === orderId.toHexString())
      .map((r) => r.amount),
  };
}

describe('an out-of-stock refund interrupted before the shop recorded it', () => {
  it('is finished by the next delivery even though the unit came back meanwhile: refunded once, never paid', async () => {
    const { product, orderId, session } = await paidTooLate();
    await expect(payOrder(diesAfterStripeRefunds(), session)).rejects.toThrow('process died after Stripe refunded');
    expect(h.sim.refunds().filter((r) => r.metadata?.orderId === orderId.toHexString())).toHaveLength(1);

    // The unit is back on sale (a cancelled order elsewhere) before the event is delivered again.
    await changeStock(h.database, product._id, { delta: 1, reason: 'returned', by: 'test' });
    const retried = await payOrder(h.deps, session);
    expect(retried.outcome).toBe('refunded_out_of_stock');
    expect(await endState(orderId, product._id)).toEqual({
      status: 'refunded',
      refundedAmount: 1500,
      refundIds: [h.sim.refunds().find((r) => r.metadata?.orderId === orderId.toHexString())!.id],
      payments: [['refunded', 1500, 1500]],
      stock: { available: 1, reserved: 0 },
      refundEmails: 1,
      confirmationEmails: 0,
      stripeRefunds: [1500],
    });
    // A third delivery changes nothing.
    expect((await payOrder(h.deps, session)).outcome).toBe('not_payable');
    expect((await endState(orderId, product._id)).stripeRefunds).toEqual([1500]);
  });

  it('when Stripe failed the refund, the next delivery asks again and still never pays', async () => {
    const { product, orderId, session } = await paidTooLate();
    // The call and the client's two network retries all fail.
    h.sim.faults.set({ failNextApiCalls: 3 });
    await expect(payOrder(h.deps, session)).rejects.toThrow();
    h.sim.faults.reset();
    expect((await h.database.collections.orders.findOne({ _id: orderId }))?.outOfStockRefund).toMatchObject({
      paymentIntentId: session.payment_intent,
    });
    expect((await endState(orderId, product._id)).stripeRefunds).toEqual([]);

    await changeStock(h.database, product._id, { delta: 1, reason: 'returned', by: 'test' });
    expect((await payOrder(h.deps, session)).outcome).toBe('refunded_out_of_stock');
    expect(await endState(orderId, product._id)).toMatchObject({
      status: 'refunded',
      refundedAmount: 1500,
      payments: [['refunded', 1500, 1500]],
      stock: { available: 1, reserved: 0 },
      refundEmails: 1,
      confirmationEmails: 0,
      stripeRefunds: [1500],
    });
  });
});

/**
 * The database as one delivery of the payment sees it while another delivery, which found the
 * stock gone (this one had just taken the last unit), writes its decision to refund: right after
 * this delivery's re-reservation, before its payment transaction.
 */
function refundDecidedElsewhereAfterReserving(orderId: ObjectId, paymentIntentId: string): OutcomeDeps {
  const reservations = h.database.collections.reservations;
  const racing = new Proxy(reservations, {
    get(target, prop, receiver) {
      if (prop !== 'insertMany') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<typeof reservations.insertMany>) => {
        const inserted = await target.insertMany(...args);
        await h.database.collections.orders.updateOne(
          { _id: orderId },
          { $set: { outOfStockRefund: { paymentIntentId, reason: 'sold out (the other delivery)', at: new Date() } } },
        );
        return inserted;
      };
    },
  });
  const database = { ...h.database, collections: { ...h.database.collections, reservations: racing } };
  return { ...h.deps, database };
}

describe('two deliveries of one late payment', () => {
  it('the one that re-reserved never pays over the refund the other decided: it finishes that refund and gives its unit back', async () => {
    const { productId, order, sessionId } = await openOrder(h, 1, 1);
    await endUnpaidOrder(h.database, order._id, 'expired', 'test');
    await h.sim.pay(sessionId);
    const session = await h.stripe.checkout.sessions.retrieve(sessionId);
    const paymentIntentId = session.payment_intent as string;

    const outcome = await payOrder(refundDecidedElsewhereAfterReserving(order._id, paymentIntentId), session);
    expect(outcome.outcome).toBe('refunded_out_of_stock');
    expect(await endState(order._id, productId)).toEqual({
      status: 'refunded',
      refundedAmount: 1500,
      refundIds: [h.sim.refunds().find((r) => r.metadata?.orderId === order._id.toHexString())!.id],
      payments: [['refunded', 1500, 1500]],
      stock: { available: 1, reserved: 0 },
      refundEmails: 1,
      confirmationEmails: 0,
      stripeRefunds: [1500],
    });
    expect(await h.database.collections.reservations.countDocuments({ orderId: order._id, status: 'held' })).toBe(0);
  });
});
