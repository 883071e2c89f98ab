import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FAULTS, startStripeSimulator } from './index';
import type { CheckoutSession, StripeSimulator } from './index';
import {
  CHECKOUT_ENDPOINT_EVENTS,
  eventsOfType,
  sessionParams,
  startReceiver,
  stripeFor,
  WEBHOOK_SECRET,
} from './simulator.test-support';
import type { ReceivedWebhook, Receiver } from './simulator.test-support';

let sim: StripeSimulator;
let stripe: Stripe;
let receiver: Receiver;

beforeAll(async () => {
  sim = await startStripeSimulator({
    webhookSecret: WEBHOOK_SECRET,
    // One delivery per change keeps the delivery mechanics readable; the other event types are
    // covered in simulation.test.ts.
    enabledEvents: CHECKOUT_ENDPOINT_EVENTS,
    retry: { baseDelayMs: 30, maxAttempts: 3, factor: 2 },
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

async function paidSession(): Promise<CheckoutSession> {
  const session = await stripe.checkout.sessions.create(sessionParams());
  await sim.pay(session.id);
  return sim.sessions().find((s) => s.id === session.id) as CheckoutSession;
}

function verify(hook: ReceivedWebhook, tolerance?: number): Stripe.Event {
  return stripe.webhooks.constructEvent(
    hook.body,
    hook.headers['stripe-signature'] as string,
    WEBHOOK_SECRET,
    tolerance,
  );
}

describe('fault injection', () => {
  it('duplicateDeliveries sends each event that many extra times', async () => {
    sim.faults.set({ duplicateDeliveries: 2 });
    await paidSession();
    await sim.waitForDeliveries();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((h) => h.event.id)).size).toBe(1);
    expect(
      sim
        .deliveries()
        .map((d) => d.copy)
        .sort(),
    ).toEqual([0, 1, 2]);
    expect(eventsOfType(sim, ...CHECKOUT_ENDPOINT_EVENTS)).toHaveLength(1);
  });

  it('reorder holds events and releases them newest-first on waitForDeliveries', async () => {
    sim.faults.set({ reorder: true });
    await paidSession();
    await paidSession();
    await paidSession();
    // Held, not sent: the strictly reversed arrival order below is only possible if they were.
    expect(sim.deliveries()).toHaveLength(0);
    await sim.waitForDeliveries();
    const emitted = eventsOfType(sim, ...CHECKOUT_ENDPOINT_EVENTS).map((e) => e.id);
    expect(receiver.received.map((h) => h.event.id)).toEqual([...emitted].reverse());
  });

  it('switching reorder off releases held events (also via POST /_sim/faults)', async () => {
    sim.faults.set({ reorder: true });
    const first = await paidSession();
    const session = await stripe.checkout.sessions.create(sessionParams());
    await stripe.checkout.sessions.expire(session.id);
    const res = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reorder: false }),
    });
    expect(res.status).toBe(200);
    await sim.waitForDeliveries();
    expect(receiver.received.map((h) => h.event.type)).toEqual([
      'checkout.session.expired',
      'checkout.session.completed',
    ]);
    expect((receiver.received[1]?.event.data.object as { id: string }).id).toBe(first.id);
  });

  it('wrongSignature makes constructEvent throw; the retry after the fault is cleared verifies', async () => {
    sim.faults.set({ wrongSignature: true });
    const errors: unknown[] = [];
    receiver.respondWith((_i, hook) => {
      try {
        verify(hook);
        return 200;
      } catch (err) {
        errors.push(err);
        sim.faults.set({ wrongSignature: false }); // "the operator fixes the secret"
        return 400;
      }
    });
    await paidSession();
    await sim.waitForDeliveries();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Stripe.errors.StripeSignatureVerificationError);
    expect(sim.deliveries().map((d) => d.statusCode)).toEqual([400, 200]);
  });

  it('staleTimestamp fails the default 300 s tolerance but verifies with a wider one', async () => {
    sim.faults.set({ staleTimestamp: true });
    await paidSession();
    await sim.waitForDeliveries();
    const hook = receiver.received[0]!;
    expect(() => verify(hook)).toThrow(/tolerance/i);
    expect(verify(hook, 3600).type).toBe('checkout.session.completed');
    const t = Number(/t=(\d+)/.exec(hook.headers['stripe-signature'] as string)?.[1]);
    expect(Math.floor(Date.now() / 1000) - t).toBeGreaterThanOrEqual(599);
  });

  it('amountTotalOverride changes amount_total in session events only', async () => {
    sim.faults.set({ amountTotalOverride: 1 });
    const session = await paidSession();
    await sim.waitForDeliveries();
    const event = verify(receiver.received[0]!);
    expect((event.data.object as Stripe.Checkout.Session).amount_total).toBe(1);
    const fromApi = await stripe.checkout.sessions.retrieve(session.id);
    expect(fromApi.amount_total).toBe(4498);
  });

  it('deliveryDelayMs postpones the first attempt', async () => {
    sim.faults.set({ deliveryDelayMs: 150 });
    await paidSession();
    await sim.waitForDeliveries();
    // The wait the first attempt was scheduled with (recorded by the simulator, not measured).
    expect(sim.deliveries().map((d) => [d.attempt, d.delayMs, d.ok])).toEqual([[1, 150, true]]);
    expect(receiver.received).toHaveLength(1);
  });

  it('failNextApiCalls: the SDK with maxNetworkRetries 2 still succeeds, with one effect', async () => {
    sim.faults.set({ failNextApiCalls: 1 });
    const retrying = stripeFor(sim, { maxNetworkRetries: 2 });
    const session = await retrying.checkout.sessions.create(sessionParams());
    expect(session.id).toMatch(/^cs_test_/);
    const requests = sim.requests();
    expect(requests.map((r) => r.status)).toEqual([500, 200]);
    expect(requests[0]?.idempotencyKey).toBeTruthy();
    expect(requests[1]?.idempotencyKey).toBe(requests[0]?.idempotencyKey);
    expect(sim.sessions()).toHaveLength(1);
    expect(sim.faults.get().failNextApiCalls).toBe(0);
  });

  it('failNextApiCalls without retries surfaces a StripeAPIError', async () => {
    sim.faults.set({ failNextApiCalls: 1 });
    const err = await stripe.checkout.sessions.create(sessionParams()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err).toMatchObject({ statusCode: 500, rawType: 'api_error' });
    expect(sim.sessions()).toHaveLength(0);
  });

  it('POST /_sim/faults validates input; reset restores defaults', async () => {
    const bad = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ duplicateDelivery: 1 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'unknown fault: duplicateDelivery' });
    expect(() => sim.faults.set({ deliveryDelayMs: -1 })).toThrow(/non-negative/);

    sim.faults.set({ wrongSignature: true, amountTotalOverride: 5 });
    expect(sim.faults.get()).toMatchObject({ wrongSignature: true, amountTotalOverride: 5 });
    sim.faults.reset();
    expect(sim.faults.get()).toEqual(DEFAULT_FAULTS);
  });
});
