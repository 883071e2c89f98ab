import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { Charge, Refund } from './index';
import { eventsOfType, sessionParams, useSimulator } from './simulator.test-support';

const t = useSimulator();

/** A paid session of 44.98 USD; returns its PaymentIntent id. */
async function paidPaymentIntent(): Promise<string> {
  const session = await t.stripe.checkout.sessions.create(sessionParams());
  await t.sim.pay(session.id);
  const pi = t.sim.sessions().find((s) => s.id === session.id)?.payment_intent;
  if (typeof pi !== 'string') throw new Error('no payment intent');
  return pi;
}

describe('POST /v1/refunds', () => {
  it('refunds the whole remaining amount by default and emits charge.refunded + refund.created', async () => {
    const pi = await paidPaymentIntent();
    const refund = await t.stripe.refunds.create(
      { payment_intent: pi, reason: 'requested_by_customer', metadata: { returnId: 'ret_1' } },
      { idempotencyKey: 'refund-all' },
    );
    expect(refund).toMatchObject({
      object: 'refund',
      amount: 4498,
      currency: 'usd',
      status: 'succeeded',
      payment_intent: pi,
      reason: 'requested_by_customer',
      metadata: { returnId: 'ret_1' },
    });
    expect(refund.id).toMatch(/^re_/);
    expect(refund.charge).toMatch(/^ch_/);

    const [refunded] = eventsOfType(t.sim, 'charge.refunded');
    const [created] = eventsOfType(t.sim, 'refund.created');
    const charge = refunded?.data.object as Charge;
    expect(charge).toMatchObject({
      id: refund.charge,
      object: 'charge',
      amount: 4498,
      amount_refunded: 4498,
      refunded: true,
      currency: 'usd',
      payment_intent: pi,
      metadata: { orderId: 'order_123' },
    });
    expect(refunded?.data.previous_attributes).toEqual({ amount_refunded: 0, refunded: false });
    expect(refunded?.request?.idempotency_key).toBe('refund-all');
    expect((created?.data.object as Refund).id).toBe(refund.id);

    const fetched = await t.stripe.refunds.retrieve(refund.id);
    expect(fetched.amount).toBe(4498);
  });

  it('supports partial refunds until the charge is used up', async () => {
    const pi = await paidPaymentIntent();
    const r1 = await t.stripe.refunds.create({ payment_intent: pi, amount: 1000 });
    expect(r1.amount).toBe(1000);
    let charge = t.sim.charges()[0];
    expect(charge).toMatchObject({ amount_refunded: 1000, refunded: false });

    const r2 = await t.stripe.refunds.create({ payment_intent: pi }); // the rest
    expect(r2.amount).toBe(3498);
    charge = t.sim.charges()[0];
    expect(charge).toMatchObject({ amount_refunded: 4498, refunded: true });

    const list = await t.stripe.refunds.list({ payment_intent: pi });
    expect(list.data.map((r) => r.amount)).toEqual([3498, 1000]);
  });

  it('rejects an amount above what is left with amount_too_large', async () => {
    const pi = await paidPaymentIntent();
    await t.stripe.refunds.create({ payment_intent: pi, amount: 4000 });
    const err = await t.stripe.refunds.create({ payment_intent: pi, amount: 499 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: 'amount_too_large', param: 'amount' });
    expect((err as Error).message).toContain('4.99 USD');
    expect(t.sim.refunds()).toHaveLength(1);
  });

  it('rejects refunding a fully refunded charge with charge_already_refunded', async () => {
    const pi = await paidPaymentIntent();
    await t.stripe.refunds.create({ payment_intent: pi });
    const err = await t.stripe.refunds.create({ payment_intent: pi }).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
  });

  it('refunds by charge id as well', async () => {
    const pi = await paidPaymentIntent();
    const chargeId = t.sim.paymentIntents().find((p) => p.id === pi)?.latest_charge as string;
    const refund = await t.stripe.refunds.create({ charge: chargeId, amount: 1 });
    expect(refund).toMatchObject({ charge: chargeId, payment_intent: pi, amount: 1 });
  });

  it('answers 404 resource_missing for an unknown PaymentIntent', async () => {
    const err = await t.stripe.refunds.create({ payment_intent: 'pi_unknown' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'payment_intent' });
  });

  it('refuses to refund a payment that has not succeeded (delayed payment still processing)', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    await t.sim.pay(session.id, { async: true });
    const pi = t.sim.sessions()[0]?.payment_intent as string;
    const err = await t.stripe.refunds.create({ payment_intent: pi }).catch((e: unknown) => e);
    expect(err).toMatchObject({ statusCode: 400 });
    expect((err as Error).message).toContain('does not have a successful charge to refund');
  });

  it('rejects a zero amount and an unknown reason', async () => {
    const pi = await paidPaymentIntent();
    await expect(t.stripe.refunds.create({ payment_intent: pi, amount: 0 })).rejects.toMatchObject({ param: 'amount' });
    await expect(
      t.stripe.refunds.create({ payment_intent: pi, reason: 'changed_mind' as Stripe.RefundCreateParams.Reason }),
    ).rejects.toMatchObject({ param: 'reason' });
    expect(t.sim.refunds()).toHaveLength(0);
  });

  it('serves PaymentIntents with latest_charge expandable', async () => {
    const pi = await paidPaymentIntent();
    const fetched = await t.stripe.paymentIntents.retrieve(pi, { expand: ['latest_charge'] });
    expect(fetched.status).toBe('succeeded');
    expect((fetched.latest_charge as Stripe.Charge).amount).toBe(4498);
    await expect(t.stripe.paymentIntents.retrieve('pi_nope')).rejects.toMatchObject({ statusCode: 404 });
  });
});
