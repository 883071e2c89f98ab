import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { sessionParams, TEST_KEY, useSimulator } from './simulator.test-support';

const t = useSimulator();

const FORM_BODY =
  'mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=1200' +
  '&line_items[0][price_data][product_data][name]=Tea&line_items[0][quantity]=1&metadata[orderId]=o-9';

function rawCreate(key: string, body = FORM_BODY): Promise<Response> {
  return fetch(`${t.sim.url}/v1/checkout/sessions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_KEY}`,
      'content-type': 'application/x-www-form-urlencoded',
      'idempotency-key': key,
    },
    body,
  });
}

describe('Idempotency-Key', () => {
  it('replays the stored response for the same key and parameters, without a second session', async () => {
    const first = await t.stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'order-1-attempt' });
    const second = await t.stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'order-1-attempt' });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(t.sim.sessions()).toHaveLength(1);
    expect(t.sim.requests().map((r) => r.replayed)).toEqual([false, true]);
  });

  it('replays byte-identical bodies and the original status', async () => {
    const a = await rawCreate('raw-1');
    const b = await rawCreate('raw-1');
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(await b.text()).toBe(await a.text());
    expect(b.headers.get('original-request')).toBe(a.headers.get('request-id'));
    expect(b.headers.get('request-id')).not.toBe(a.headers.get('request-id'));
  });

  it('rejects the same key with different parameters as StripeIdempotencyError', async () => {
    await t.stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'k-mismatch' });
    const err = await t.stripe.checkout.sessions
      .create(sessionParams({ client_reference_id: 'other' }), { idempotencyKey: 'k-mismatch' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((err as Stripe.errors.StripeError).message).toContain(
      'Keys for idempotent requests can only be used with the same parameters they were first used with',
    );
    expect(t.sim.sessions()).toHaveLength(1);
  });

  it('treats parameter order as irrelevant', async () => {
    const reordered = FORM_BODY.split('&').reverse().join('&');
    const a = (await (await rawCreate('order-k', FORM_BODY)).json()) as { id: string };
    const res = await rawCreate('order-k', reordered);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe(a.id);
  });

  it('produces one effect for concurrent requests with the same key', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.stripe.checkout.sessions.create(sessionParams(), { idempotencyKey: 'concurrent' }),
      ),
    );
    expect(new Set(results.map((s) => s.id)).size).toBe(1);
    expect(t.sim.sessions()).toHaveLength(1);
    expect(t.sim.requests().filter((r) => !r.replayed)).toHaveLength(1);
  });

  it('replays refunds without refunding twice', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    await t.sim.pay(session.id);
    const pi = t.sim.sessions()[0]?.payment_intent as string;
    const r1 = await t.stripe.refunds.create({ payment_intent: pi, amount: 100 }, { idempotencyKey: 'refund-once' });
    const r2 = await t.stripe.refunds.create({ payment_intent: pi, amount: 100 }, { idempotencyKey: 'refund-once' });
    expect(r2.id).toBe(r1.id);
    expect(t.sim.refunds()).toHaveLength(1);
    expect(t.sim.charges()[0]?.amount_refunded).toBe(100);
    expect(t.sim.events().filter((e) => e.type === 'charge.refunded')).toHaveLength(1);
  });

  it('does not store parameter validation failures: the key can be retried with fixed parameters', async () => {
    const bad = await rawCreate('fix-me', FORM_BODY.replace('unit_amount]=1200', 'unit_amount]=-5'));
    expect(bad.status).toBe(400);
    const good = await rawCreate('fix-me');
    expect(good.status).toBe(200);
    expect(t.sim.sessions()).toHaveLength(1);
  });

  it('stores business-rule failures and replays them', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    await t.sim.pay(session.id);
    const pi = t.sim.sessions()[0]?.payment_intent as string;
    const tooMuch = { payment_intent: pi, amount: 999_999 };
    const e1 = await t.stripe.refunds.create(tooMuch, { idempotencyKey: 'too-much' }).catch((e: unknown) => e);
    const e2 = await t.stripe.refunds.create(tooMuch, { idempotencyKey: 'too-much' }).catch((e: unknown) => e);
    expect(e1).toMatchObject({ code: 'amount_too_large' });
    expect(e2).toMatchObject({ code: 'amount_too_large' });
    expect((e2 as Stripe.errors.StripeError).headers?.['idempotent-replayed']).toBe('true');
  });
});
