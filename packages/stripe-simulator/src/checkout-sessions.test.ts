import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { SIMULATED_API_VERSION } from './index';
import { eventsOfType, sessionParams, stripeFor, useSimulator } from './simulator.test-support';

const t = useSimulator();

async function invalid(params: Stripe.Checkout.SessionCreateParams): Promise<Stripe.errors.StripeError> {
  const err = await t.stripe.checkout.sessions.create(params).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  return err as Stripe.errors.StripeError;
}

describe('POST /v1/checkout/sessions', () => {
  it('creates an open session with Stripe-shaped totals, url and metadata', async () => {
    const before = Math.floor(Date.now() / 1000);
    const session = await t.stripe.checkout.sessions.create(
      sessionParams({ client_reference_id: 'order_123', customer_email: 'ann@example.com' }),
    );
    expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]{24}$/);
    expect(session.object).toBe('checkout.session');
    expect(session.status).toBe('open');
    expect(session.payment_status).toBe('unpaid');
    expect(session.amount_subtotal).toBe(1999 * 2 + 500);
    expect(session.amount_total).toBe(4498);
    expect(session.currency).toBe('usd');
    expect(session.url).toBe(`${t.sim.url}/checkout/${session.id}`);
    expect(session.payment_intent).toBeNull();
    expect(session.metadata).toEqual({ orderId: 'order_123', userId: 'user_1' });
    expect(session.client_reference_id).toBe('order_123');
    expect(session.customer_email).toBe('ann@example.com');
    expect(session.mode).toBe('payment');
    expect(session.livemode).toBe(false);
    expect(session.expires_at - before).toBeGreaterThanOrEqual(24 * 3600 - 1);
    expect(session.expires_at - before).toBeLessThanOrEqual(24 * 3600 + 1);
    expect(session.lastResponse.requestId).toMatch(/^req_/);
    expect(t.sim.sessions()).toHaveLength(1);
  });

  it('speaks the pinned API version: ui_mode hosted_page, Stripe-Version on every answer', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams({ ui_mode: 'hosted_page' }));
    expect(session.ui_mode).toBe('hosted_page');
    expect(session.lastResponse.apiVersion).toBe(SIMULATED_API_VERSION);
    // Older API versions called it `hosted`; this version does not know that value.
    const old = await invalid(sessionParams({ ui_mode: 'hosted' as Stripe.Checkout.SessionCreateParams.UiMode }));
    expect(old).toMatchObject({ statusCode: 400, param: 'ui_mode' });
    const other = await fetch(`${t.sim.url}/v1/checkout/sessions/${session.id}`, {
      headers: { authorization: 'Bearer sk_test_simulator', 'stripe-version': '2025-09-30.clover' },
    });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('api_version_unsupported');
  });

  it('accepts an explicit expires_at between 30 minutes and 24 hours ahead', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 31 * 60;
    const session = await t.stripe.checkout.sessions.create(sessionParams({ expires_at: expiresAt }));
    expect(session.expires_at).toBe(expiresAt);
  });

  it('retrieves a session, expands payment_intent and lists line items', async () => {
    const created = await t.stripe.checkout.sessions.create(sessionParams());
    const fetched = await t.stripe.checkout.sessions.retrieve(created.id);
    expect(fetched).toMatchObject({ id: created.id, amount_total: 4498, status: 'open' });

    await t.sim.pay(created.id);
    const expanded = await t.stripe.checkout.sessions.retrieve(created.id, { expand: ['payment_intent'] });
    const pi = expanded.payment_intent as Stripe.PaymentIntent;
    expect(pi.id).toMatch(/^pi_/);
    expect(pi.amount).toBe(4498);
    expect(pi.status).toBe('succeeded');
    expect(pi.metadata).toEqual({ orderId: 'order_123' });
    expect(expanded.url).toBeNull();

    const notExpanded = await t.stripe.checkout.sessions.retrieve(created.id);
    expect(notExpanded.payment_intent).toBe(pi.id);

    const items = await t.stripe.checkout.sessions.listLineItems(created.id);
    expect(items.data.map((li) => [li.description, li.quantity, li.amount_total])).toEqual([
      ['Blue mug', 2, 3998],
      ['Coaster', 1, 500],
    ]);
  });

  it('answers 404 resource_missing for an unknown session', async () => {
    const err = await t.stripe.checkout.sessions.retrieve('cs_test_nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it.each([
    ['missing line_items', { line_items: undefined }, 'parameter_missing', 'line_items'],
    [
      'negative unit_amount',
      { line_items: [{ price_data: { currency: 'usd', unit_amount: -1, product_data: { name: 'x' } }, quantity: 1 }] },
      'parameter_invalid_integer',
      'line_items[0][price_data][unit_amount]',
    ],
    [
      'quantity below 1',
      { line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } }, quantity: 0 }] },
      'parameter_invalid_integer',
      'line_items[0][quantity]',
    ],
    [
      'unknown currency',
      { line_items: [{ price_data: { currency: 'usx', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }] },
      'parameter_invalid_string',
      'line_items[0][price_data][currency]',
    ],
    [
      'mixed currencies',
      {
        line_items: [
          { price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 },
          { price_data: { currency: 'eur', unit_amount: 100, product_data: { name: 'y' } }, quantity: 1 },
        ],
      },
      'parameter_invalid_string',
      'line_items[1][price_data][currency]',
    ],
    [
      'missing product name',
      {
        line_items: [
          {
            price_data: {
              currency: 'usd',
              unit_amount: 100,
              product_data: {
                description: 'no name',
              } as Stripe.Checkout.SessionCreateParams.LineItem.PriceData.ProductData,
            },
            quantity: 1,
          },
        ],
      },
      'parameter_missing',
      'line_items[0][price_data][product_data][name]',
    ],
  ] as Array<[string, Partial<Stripe.Checkout.SessionCreateParams>, string, string]>)(
    'rejects %s like Stripe',
    async (_name, overrides, code, param) => {
      const err = await invalid(sessionParams(overrides));
      expect(err.statusCode).toBe(400);
      expect(err.rawType).toBe('invalid_request_error');
      expect(err.code).toBe(code);
      expect(err.param).toBe(param);
      expect(t.sim.sessions()).toHaveLength(0);
    },
  );

  it('rejects a non-integer unit_amount (raw form body)', async () => {
    const res = await fetch(`${t.sim.url}/v1/checkout/sessions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_simulator', 'content-type': 'application/x-www-form-urlencoded' },
      body:
        'mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=19.99' +
        '&line_items[0][price_data][product_data][name]=Mug&line_items[0][quantity]=1',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        type: 'invalid_request_error',
        code: 'parameter_invalid_integer',
        param: 'line_items[0][price_data][unit_amount]',
      },
    });
  });

  it('rejects expires_at outside 30 minutes – 24 hours', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const expiresAt of [now + 10 * 60, now + 25 * 3600]) {
      const err = await invalid(sessionParams({ expires_at: expiresAt }));
      expect(err.param).toBe('expires_at');
    }
  });

  it('rejects unknown parameters (typos) with parameter_unknown', async () => {
    const err = await invalid({
      ...sessionParams(),
      sucess_url: 'http://x.test',
    } as Stripe.Checkout.SessionCreateParams);
    expect(err.code).toBe('parameter_unknown');
    expect(err.param).toBe('sucess_url');
  });

  it('parses deep bracketed parameters (20+ line items, nested metadata)', async () => {
    const lineItems = Array.from({ length: 25 }, (_, i) => ({
      price_data: {
        currency: 'eur',
        unit_amount: 100 + i,
        product_data: { name: `Item ${i}`, metadata: { sku: `sku-${i}` } },
      },
      quantity: 1,
    }));
    const session = await t.stripe.checkout.sessions.create(
      sessionParams({
        line_items: lineItems,
        payment_intent_data: { metadata: { orderId: 'order_999', channel: 'web' } },
      }),
    );
    expect(session.amount_total).toBe(25 * 100 + (24 * 25) / 2);
    expect(session.currency).toBe('eur');
    expect(t.sim.lineItems(session.id)).toHaveLength(25);
    await t.sim.pay(session.id);
    const pi = t.sim.paymentIntents()[0];
    expect(pi?.metadata).toEqual({ orderId: 'order_999', channel: 'web' });
  });

  it('copies metadata the way Stripe does: session metadata stays on the session', async () => {
    const withPaymentData = await t.stripe.checkout.sessions.create(sessionParams());
    await t.sim.pay(withPaymentData.id);
    const bare = await t.stripe.checkout.sessions.create(sessionParams({ payment_intent_data: undefined }));
    await t.sim.pay(bare.id);

    const [first, second] = t.sim.paymentIntents();
    // Only payment_intent_data.metadata reaches the PaymentIntent, and from it each charge.
    expect(first?.metadata).toEqual({ orderId: 'order_123' });
    expect(t.sim.charges().find((c) => c.payment_intent === first?.id)?.metadata).toEqual({ orderId: 'order_123' });
    expect(second?.metadata).toEqual({});
    expect(t.sim.charges().find((c) => c.payment_intent === second?.id)?.metadata).toEqual({});
    for (const event of eventsOfType(t.sim, 'payment_intent.succeeded', 'charge.succeeded', 'charge.updated')) {
      expect(event.data.object.metadata).not.toHaveProperty('userId');
    }
    expect(t.sim.sessions().map((s) => s.metadata)).toEqual([
      { orderId: 'order_123', userId: 'user_1' },
      { orderId: 'order_123', userId: 'user_1' },
    ]);
  });
});

describe('authentication and routing', () => {
  it('rejects an unknown API key with StripeAuthenticationError without echoing the key', async () => {
    const bad = stripeFor(t.sim, { key: 'sk_test_definitely_not_valid_1234' });
    const err = await bad.checkout.sessions.create(sessionParams()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const { message } = err as Stripe.errors.StripeError;
    expect(message).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);
    expect(message).not.toContain('definitely_not_valid');
    expect(t.sim.sessions()).toHaveLength(0);
  });

  it('rejects a missing key with 401', async () => {
    const res = await fetch(`${t.sim.url}/v1/checkout/sessions/cs_test_x`);
    expect(res.status).toBe(401);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('answers unknown /v1 URLs with Stripe\'s "Unrecognized request URL"', async () => {
    const res = await fetch(`${t.sim.url}/v1/customers/cus_123/whatever`, {
      headers: { authorization: 'Bearer sk_test_simulator' },
    });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('Unrecognized request URL (GET: /v1/customers/cus_123/whatever)');
  });

  it('records every API call', async () => {
    await t.stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'rec-1' });
    await t.stripe.checkout.sessions.retrieve('cs_test_missing').catch(() => undefined);
    expect(t.sim.requests().map((r) => [r.method, r.path, r.status, r.idempotencyKey])).toEqual([
      ['POST', '/v1/checkout/sessions', 200, 'rec-1'],
      ['GET', '/v1/checkout/sessions/cs_test_missing', 404, null],
    ]);
  });
});

describe('expiring sessions', () => {
  it('expires an open session via the API and emits checkout.session.expired', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    const expired = await t.stripe.checkout.sessions.expire(session.id, {}, { idempotencyKey: 'exp-1' });
    expect(expired.status).toBe('expired');
    expect(expired.url).toBeNull();
    const events = t.sim.events();
    expect(events.map((e) => e.type)).toEqual(['checkout.session.expired']); // no PaymentIntent yet
    expect(events[0]?.data.object).toMatchObject({ id: session.id, status: 'expired' });
    expect(events[0]?.request?.idempotency_key).toBe('exp-1');
    expect(events[0]?.request?.id).toBe(expired.lastResponse.requestId);
  });

  it('refuses to expire a completed session (400)', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    await t.sim.pay(session.id);
    const err = await t.stripe.checkout.sessions.expire(session.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((err as Stripe.errors.StripeError).message).toContain(
      'Only Checkout Sessions with a status of `open` can be expired',
    );
    expect(eventsOfType(t.sim, 'checkout.session.expired')).toHaveLength(0);
  });

  it('refuses to expire an already expired session', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    await t.sim.expireSession(session.id);
    await expect(t.stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({ statusCode: 400 });
    await expect(t.sim.expireSession(session.id)).rejects.toThrow(/status of `open`/);
    expect(t.sim.events().filter((e) => e.type === 'checkout.session.expired')).toHaveLength(1);
  });
});
