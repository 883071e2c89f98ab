import type Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signPayload, startStripeSimulator } from './index';
import type { StripeSimulator } from './index';
import {
  CHECKOUT_ENDPOINT_EVENTS,
  eventsOfType,
  postForm,
  sessionParams,
  startReceiver,
  stripeFor,
  WEBHOOK_SECRET,
} from './simulator.test-support';
import type { Receiver } from './simulator.test-support';

let sim: StripeSimulator;
let stripe: Stripe;
let receiver: Receiver;

beforeAll(async () => {
  sim = await startStripeSimulator({
    webhookSecret: WEBHOOK_SECRET,
    // One delivery per change keeps the delivery mechanics readable; the other event types are
    // covered in simulation.test.ts.
    enabledEvents: CHECKOUT_ENDPOINT_EVENTS,
    retry: { baseDelayMs: 40, maxAttempts: 4, factor: 2 },
    deliveryTimeoutMs: 300,
  });
  stripe = stripeFor(sim);
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  receiver = await startReceiver();
  sim.setWebhookUrl(receiver.url);
});
afterEach(() => receiver.close());

async function paidSession(): Promise<string> {
  const session = await stripe.checkout.sessions.create(sessionParams());
  await sim.pay(session.id);
  return session.id;
}

describe('signPayload', () => {
  it("matches the SDK's own test header for the same payload, secret and timestamp", () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event' });
    const expected = stripe.webhooks.generateTestHeaderString({
      payload,
      secret: WEBHOOK_SECRET,
      timestamp: 1_700_000_000,
    });
    expect(signPayload(payload, WEBHOOK_SECRET, 1_700_000_000)).toBe(expected);
    expect(signPayload(payload, WEBHOOK_SECRET, 1_700_000_000)).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
  });
});

describe('webhook delivery', () => {
  it('POSTs signed events that stripe.webhooks.constructEvent accepts', async () => {
    const sessionId = await paidSession();
    await sim.waitForDeliveries();

    expect(receiver.received).toHaveLength(1);
    const hook = receiver.received[0]!;
    expect(hook.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(hook.headers['user-agent']).toBe('Stripe/1.0 (+https://stripe.com/docs/webhooks)');
    const event = stripe.webhooks.constructEvent(hook.body, hook.headers['stripe-signature'] as string, WEBHOOK_SECRET);
    expect(event.type).toBe('checkout.session.completed');
    expect(event.id).toBe(eventsOfType(sim, ...CHECKOUT_ENDPOINT_EVENTS)[0]?.id);
    expect(event).toMatchObject({ object: 'event', livemode: false, pending_webhooks: 1 });
    expect((event.data.object as Stripe.Checkout.Session).id).toBe(sessionId);
    expect((event.data.object as Stripe.Checkout.Session).payment_status).toBe('paid');

    expect(sim.deliveries()).toMatchObject([
      {
        eventId: event.id,
        type: 'checkout.session.completed',
        attempt: 1,
        copy: 0,
        statusCode: 200,
        ok: true,
        error: null,
      },
    ]);
  });

  it('retries non-2xx answers with growing delays (500, 500, 200 → 3 attempts)', async () => {
    receiver.respondWith((i) => (i < 2 ? 500 : 200));
    await paidSession();
    await sim.waitForDeliveries();

    const attempts = sim.deliveries();
    expect(attempts.map((d) => [d.attempt, d.statusCode, d.ok])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 200, true],
    ]);
    expect(new Set(attempts.map((d) => d.eventId)).size).toBe(1);
    // The backoff each retry was scheduled with (baseDelayMs 40, factor 2), not measured time.
    expect(attempts.map((d) => d.delayMs)).toEqual([0, 40, 80]);
    // Every attempt is signed afresh and still verifies.
    for (const hook of receiver.received) {
      expect(() =>
        stripe.webhooks.constructEvent(hook.body, hook.headers['stripe-signature'] as string, WEBHOOK_SECRET),
      ).not.toThrow();
    }
  });

  it('gives up after maxAttempts', async () => {
    receiver.respondWith(() => 503);
    await paidSession();
    await sim.waitForDeliveries();
    expect(sim.deliveries().map((d) => d.statusCode)).toEqual([503, 503, 503, 503]);
  });

  it('treats a slow endpoint (timeout) and a refused connection as failures', async () => {
    receiver.respondWith((i) => (i === 0 ? { status: 200, delayMs: 1000 } : 200));
    await paidSession();
    await sim.waitForDeliveries();
    const [first, second] = sim.deliveries();
    expect(first).toMatchObject({ attempt: 1, statusCode: null, ok: false });
    expect(first?.error).toMatch(/timed out/);
    expect(second).toMatchObject({ attempt: 2, statusCode: 200, ok: true });

    sim.reset();
    await receiver.close();
    sim.setWebhookUrl(receiver.url); // nothing listens there any more
    await paidSession();
    await sim.waitForDeliveries();
    const refused = sim.deliveries();
    expect(refused).toHaveLength(4);
    expect(refused.every((d) => d.statusCode === null && d.error !== null)).toBe(true);
  });

  it('never makes the API or the hosted page wait for the webhook endpoint', async () => {
    // A simulator that waits on its endpoint for as long as the endpoint holds (no delivery timeout
    // in reach), and an endpoint that holds every delivery open until the test releases it: the
    // answers below can only arrive while the deliveries are still held if nothing waits for them.
    const patient = await startStripeSimulator({
      webhookSecret: WEBHOOK_SECRET,
      enabledEvents: CHECKOUT_ENDPOINT_EVENTS,
      deliveryTimeoutMs: 600_000,
      webhookUrl: receiver.url,
    });
    const client = stripeFor(patient);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    receiver.respondWith(() => ({ status: 200, until: held }));
    try {
      const session = await client.checkout.sessions.create(sessionParams());
      const res = await postForm(patient, `/checkout/${session.id}/pay`);
      expect(res.status).toBe(303);
      // The delivery of the payment has reached the endpoint and is still open.
      await vi.waitFor(() =>
        expect(receiver.received.map((h) => h.event.type)).toEqual(['checkout.session.completed']),
      );
      expect(patient.deliveries()).toHaveLength(0);

      // An API call that creates an event answers while that delivery is held too.
      const other = await client.checkout.sessions.create(sessionParams());
      const expired = await client.checkout.sessions.expire(other.id);
      expect(expired.status).toBe('expired');
      await vi.waitFor(() => expect(receiver.received).toHaveLength(2));
      expect(patient.deliveries()).toHaveLength(0);

      release();
      await patient.waitForDeliveries();
      expect(patient.deliveries().map((d) => [d.type, d.ok])).toEqual([
        ['checkout.session.completed', true],
        ['checkout.session.expired', true],
      ]);
    } finally {
      release();
      await patient.close();
    }
  });

  it('stores events when no webhook URL is set and delivers them on resendEvent', async () => {
    sim.setWebhookUrl(undefined);
    await paidSession();
    await sim.waitForDeliveries();
    expect(eventsOfType(sim, ...CHECKOUT_ENDPOINT_EVENTS)).toHaveLength(1);
    expect(eventsOfType(sim, ...CHECKOUT_ENDPOINT_EVENTS)[0]?.pending_webhooks).toBe(0);
    expect(sim.deliveries()).toHaveLength(0);
    await expect(sim.resendEvent(eventsOfType(sim, ...CHECKOUT_ENDPOINT_EVENTS)[0]!.id)).rejects.toThrow(
      /No webhook URL/,
    );

    sim.setWebhookUrl(receiver.url);
    await sim.resendEvent(eventsOfType(sim, ...CHECKOUT_ENDPOINT_EVENTS)[0]!.id);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.event.id).toBe(eventsOfType(sim, ...CHECKOUT_ENDPOINT_EVENTS)[0]?.id);
    expect(sim.deliveries()[0]).toMatchObject({ copy: -1, attempt: 1, ok: true });
    await expect(sim.resendEvent('evt_unknown')).rejects.toThrow(/No such event/);
  });

  it('resends byte-identical payloads (also via POST /_sim/events/:id/resend)', async () => {
    await paidSession();
    await sim.waitForDeliveries();
    const res = await fetch(`${sim.url}/_sim/events/${eventsOfType(sim, ...CHECKOUT_ENDPOINT_EVENTS)[0]!.id}/resend`, {
      method: 'POST',
    });
    expect(res.status).toBe(200);
    await sim.waitForDeliveries();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.body).toBe(receiver.received[0]?.body);
  });

  it('stamps API-caused events with the request id and idempotency key', async () => {
    await paidSession();
    const pi = sim.sessions()[0]?.payment_intent as string;
    const refund = await stripe.refunds.create({ payment_intent: pi }, { idempotencyKey: 'idem-refund-1' });
    await sim.waitForDeliveries();
    const refunded = receiver.received.find((h) => h.event.type === 'charge.refunded');
    expect(refunded).toBeDefined();
    const event = JSON.parse(refunded!.body) as Stripe.Event;
    expect(event.request).toEqual({ id: refund.lastResponse.requestId, idempotency_key: 'idem-refund-1' });
  });

  it('exposes state and deliveries on GET /_sim/state', async () => {
    await paidSession();
    await sim.waitForDeliveries();
    const state = (await (await fetch(`${sim.url}/_sim/state`)).json()) as {
      sessions: unknown[];
      events: Array<{ type: string }>;
      deliveries: Array<{ statusCode: number }>;
      webhookUrl: string;
    };
    expect(state.sessions).toHaveLength(1);
    // Every event is listed; only the endpoint's enabled ones are delivered.
    expect(state.events.map((e) => e.type).sort()).toEqual([
      'charge.succeeded',
      'charge.updated',
      'checkout.session.completed',
      'payment_intent.created',
      'payment_intent.succeeded',
    ]);
    expect(state.deliveries.map((d) => d.statusCode)).toEqual([200]);
    expect(state.webhookUrl).toBe(receiver.url);
  });
});
