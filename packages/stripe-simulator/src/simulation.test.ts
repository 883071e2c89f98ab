// Unit tests of the state machine without HTTP, where fake timers can move
// the clock past a session's expires_at (the API refuses deadlines < 30 min).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCheckoutSessionParams } from './checkout-session-params';
import { FaultState } from './faults';
import { NO_REQUEST, Simulation, SimulationStateError } from './simulation';
import { Store } from './state';
import type { OutgoingEvent, WebhookDeliverer } from './webhooks/deliverer';

function setup() {
  const store = new Store();
  const enqueued: OutgoingEvent[] = [];
  const deliverer = { enqueue: (e: OutgoingEvent) => enqueued.push(e) } as unknown as WebhookDeliverer;
  const faults = new FaultState({ onReorderOff: () => {}, flush: async () => {} });
  const sim = new Simulation({
    store,
    deliverer,
    faults,
    getPublicUrl: () => 'http://sim.test',
    hasWebhookUrl: () => true,
  });
  const input = parseCheckoutSessionParams({
    mode: 'payment',
    line_items: [{ price_data: { currency: 'usd', unit_amount: '1000', product_data: { name: 'A' } }, quantity: '3' }],
    metadata: { orderId: 'o-1' },
  });
  return { store, sim, enqueued, faults, input };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Simulation', () => {
  it('expires an open session by timer when expires_at passes', () => {
    vi.useFakeTimers();
    const { sim, enqueued, input, store } = setup();
    const session = sim.createSession(input);
    expect(session.url).toBe(`http://sim.test/checkout/${session.id}`);
    vi.advanceTimersByTime(24 * 3600 * 1000 - 2000);
    expect(store.sessions.get(session.id)?.session.status).toBe('open');
    vi.advanceTimersByTime(3000);
    expect(store.sessions.get(session.id)?.session.status).toBe('expired');
    expect(enqueued.map((e) => e.event.type)).toEqual(['checkout.session.expired']);
    expect(enqueued[0]?.event.request).toEqual({ id: null, idempotency_key: null });
    store.stopTimers();
  });

  it('expires lazily on access even if the timer has not run', () => {
    vi.useFakeTimers();
    const { sim, enqueued, input, store } = setup();
    const session = sim.createSession(input);
    vi.setSystemTime(Date.now() + 24 * 3600 * 1000 + 1000); // clock jumps, timers not run
    expect(sim.sessionRecord(session.id).session.status).toBe('expired');
    expect(() => sim.pay(session.id)).toThrow(SimulationStateError);
    expect(enqueued.map((e) => e.event.type)).toEqual(['checkout.session.expired']);
    store.stopTimers();
  });

  it('reuses the PaymentIntent of a declined attempt and cancels it when the session expires', () => {
    const { sim, enqueued, input, store } = setup();
    const session = sim.createSession(input);
    const declined = sim.decline(session.id);
    expect(declined.status).toBe('requires_payment_method');
    sim.expireSession(session.id, NO_REQUEST);
    expect(store.paymentIntents.get(declined.id)?.status).toBe('canceled');
    expect(enqueued.map((e) => e.event.type)).toEqual(['payment_intent.payment_failed', 'checkout.session.expired']);
    store.stopTimers();
  });

  it('serializes events pretty-printed and snapshots the object at emission time', () => {
    const { sim, enqueued, input, store } = setup();
    const session = sim.createSession(input);
    sim.pay(session.id);
    const completed = enqueued[0];
    expect(completed?.payload).toBe(JSON.stringify(completed?.event, null, 2));
    expect(JSON.parse(completed?.payload ?? '{}').data.object.payment_status).toBe('paid');
    store.stopTimers();
  });
});
