import { describe, expect, it } from 'vitest';
import { formatAmount } from './currency';
import { escapeHtml } from './hosted-page';
import type { CheckoutSession, PaymentIntent } from './index';
import { eventsOfType, eventTypes, postForm, sessionParams, useSimulator } from './simulator.test-support';

const t = useSimulator();

describe('formatAmount', () => {
  it('formats minor units per currency exponent', () => {
    expect(formatAmount(1999, 'usd')).toBe('19.99 USD');
    expect(formatAmount(5, 'eur')).toBe('0.05 EUR');
    expect(formatAmount(500, 'jpy')).toBe('500 JPY');
    expect(formatAmount(1234, 'kwd')).toBe('1.234 KWD');
  });

  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('hosted checkout page', () => {
  it('shows line items and the total, escaping product names', async () => {
    const session = await t.stripe.checkout.sessions.create(
      sessionParams({
        line_items: [
          {
            price_data: { currency: 'usd', unit_amount: 1999, product_data: { name: '<script>alert(1)</script>' } },
            quantity: 1,
          },
        ],
      }),
    );
    const res = await fetch(session.url as string);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const html = await res.text();
    expect(html).toContain('19.99 USD');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain(`action="/checkout/${session.id}/pay"`);
    expect(html).toContain(`action="/checkout/${session.id}/decline"`);
    expect(html).toContain(`action="/checkout/${session.id}/pay?async=1"`);
    expect(html).toContain(`action="/checkout/${session.id}/cancel"`);
  });

  it('Pay completes the session, emits checkout.session.completed and redirects 303 to success_url', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    const res = await postForm(t.sim, `/checkout/${session.id}/pay`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`http://shop.test/checkout/success?session_id=${session.id}`);

    const after = await t.stripe.checkout.sessions.retrieve(session.id);
    expect(after.status).toBe('complete');
    expect(after.payment_status).toBe('paid');
    expect(after.payment_intent).toMatch(/^pi_/);

    expect(eventTypes(t.sim)).toEqual([
      'charge.succeeded',
      'charge.updated',
      'checkout.session.completed',
      'payment_intent.created',
      'payment_intent.succeeded',
    ]);
    const [event] = eventsOfType(t.sim, 'checkout.session.completed');
    const obj = event?.data.object as CheckoutSession;
    expect(obj).toMatchObject({ id: session.id, status: 'complete', payment_status: 'paid', amount_total: 4498 });
    expect(obj.payment_intent).toBe(after.payment_intent);
    expect(event?.request).toEqual({ id: null, idempotency_key: null });

    const pi = t.sim.paymentIntents()[0];
    expect(pi).toMatchObject({
      status: 'succeeded',
      amount: 4498,
      currency: 'usd',
      metadata: { orderId: 'order_123' },
    });
    expect(pi?.latest_charge).toMatch(/^ch_/);

    const page = await (await fetch(`${t.sim.url}/checkout/${session.id}`)).text();
    expect(page).toContain('Payment complete');
    expect(page).not.toContain('<form');
  });

  it('refuses to pay a session twice (409) and emits nothing more', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    await postForm(t.sim, `/checkout/${session.id}/pay`);
    const again = await postForm(t.sim, `/checkout/${session.id}/pay`);
    expect(again.status).toBe(409);
    expect(eventsOfType(t.sim, 'checkout.session.completed')).toHaveLength(1);
    expect(t.sim.events()).toHaveLength(5);
    await expect(t.sim.pay(session.id)).rejects.toThrow(/complete/);
  });

  it('refuses to pay an expired session and shows it without buttons', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    await t.sim.expireSession(session.id);
    expect((await postForm(t.sim, `/checkout/${session.id}/pay`)).status).toBe(409);
    const page = await (await fetch(`${t.sim.url}/checkout/${session.id}`)).text();
    expect(page).toContain('expired');
    expect(page).not.toContain('<form');
  });

  it('answers 404 for an unknown session', async () => {
    expect((await fetch(`${t.sim.url}/checkout/cs_test_nope`)).status).toBe(404);
    expect((await postForm(t.sim, '/checkout/cs_test_nope/pay')).status).toBe(404);
  });

  it('a declined card emits payment_intent.payment_failed and leaves the session open', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    const res = await postForm(t.sim, `/checkout/${session.id}/decline`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Your card was declined.');

    expect(eventTypes(t.sim)).toEqual(['charge.failed', 'payment_intent.created', 'payment_intent.payment_failed']);
    const [event] = eventsOfType(t.sim, 'payment_intent.payment_failed');
    const pi = event?.data.object as PaymentIntent;
    expect(pi).toMatchObject({
      object: 'payment_intent',
      status: 'requires_payment_method',
      amount: 4498,
      metadata: { orderId: 'order_123' },
      last_payment_error: {
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
      },
    });
    const after = await t.stripe.checkout.sessions.retrieve(session.id);
    expect(after.status).toBe('open');
    expect(after.payment_status).toBe('unpaid');

    // The shopper retries with a good card: same PaymentIntent, now succeeded.
    await t.sim.pay(session.id);
    const paid = await t.stripe.checkout.sessions.retrieve(session.id);
    expect(paid.payment_intent).toBe(pi.id);
    expect(eventsOfType(t.sim, 'payment_intent.created')).toHaveLength(1);
    expect(eventsOfType(t.sim, 'payment_intent.payment_failed', 'checkout.session.completed')).toHaveLength(2);
  });

  it('delayed payment: completed (unpaid), then async_payment_succeeded', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    const res = await postForm(t.sim, `/checkout/${session.id}/pay?async=1`);
    expect(res.status).toBe(303);
    expect(eventTypes(t.sim)).toEqual([
      'charge.pending',
      'checkout.session.completed',
      'payment_intent.created',
      'payment_intent.processing',
    ]);
    const [completed] = eventsOfType(t.sim, 'checkout.session.completed');
    expect(completed?.data.object).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    expect(t.sim.paymentIntents()[0]?.status).toBe('processing');

    await t.sim.completeAsyncPayment(session.id, 'succeeded');
    expect(eventTypes(t.sim)).toEqual([
      'charge.pending',
      'charge.succeeded',
      'charge.updated',
      'checkout.session.async_payment_succeeded',
      'checkout.session.completed',
      'payment_intent.created',
      'payment_intent.processing',
      'payment_intent.succeeded',
    ]);
    const [succeeded] = eventsOfType(t.sim, 'checkout.session.async_payment_succeeded');
    expect(succeeded?.data.object).toMatchObject({ payment_status: 'paid' });
    expect(t.sim.paymentIntents()[0]?.status).toBe('succeeded');
    await expect(t.sim.completeAsyncPayment(session.id, 'succeeded')).rejects.toThrow(/no delayed payment/);
  });

  it('delayed payment failure: payment_intent.payment_failed + async_payment_failed (via control route)', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    await t.sim.pay(session.id, { async: true });
    const res = await fetch(`${t.sim.url}/_sim/sessions/${session.id}/async/failed`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(eventTypes(t.sim)).toEqual([
      'charge.failed',
      'charge.pending',
      'checkout.session.async_payment_failed',
      'checkout.session.completed',
      'payment_intent.created',
      'payment_intent.payment_failed',
      'payment_intent.processing',
    ]);
    const [failed] = eventsOfType(t.sim, 'checkout.session.async_payment_failed');
    expect(failed?.data.object).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    expect(t.sim.paymentIntents()[0]?.status).toBe('requires_payment_method');
  });

  it('Cancel redirects 303 to cancel_url without any event; the session stays open', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    const res = await postForm(t.sim, `/checkout/${session.id}/cancel`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('http://shop.test/checkout/cancel');
    expect(t.sim.events()).toHaveLength(0);
    expect(t.sim.sessions()[0]?.status).toBe('open');
  });
});
