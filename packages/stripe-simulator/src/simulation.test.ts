// Unit tests of the state machine without HTTP, where fake timers can move
// the clock past a session's expires_at (the API refuses deadlines < 30 min).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCheckoutSessionParams } from './checkout-session-params';
import { FaultState } from './faults';
import { NO_REQUEST, SIMULATED_API_VERSION, Simulation, SimulationStateError } from './simulation';
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
    expect(enqueued.map((e) => e.event.type).sort()).toEqual([
      'charge.failed',
      'checkout.session.expired',
      'payment_intent.canceled',
      'payment_intent.created',
      'payment_intent.payment_failed',
    ]);
    store.stopTimers();
  });

  it('serializes events pretty-printed and snapshots the object at emission time', () => {
    const { sim, enqueued, input, store } = setup();
    const session = sim.createSession(input);
    sim.pay(session.id);
    const completed = enqueued.find((e) => e.event.type === 'checkout.session.completed');
    expect(completed?.payload).toBe(JSON.stringify(completed?.event, null, 2));
    expect(JSON.parse(completed?.payload ?? '{}').data.object.payment_status).toBe('paid');
    store.stopTimers();
  });

  it('sends the events of one change in no fixed order, so the shop cannot rely on one', () => {
    const { sim, enqueued, input, store } = setup();
    const orders = new Set<string>();
    for (let i = 0; i < 30; i++) {
      enqueued.length = 0;
      sim.pay(sim.createSession(input).id);
      const types = enqueued.map((e) => e.event.type);
      expect([...types].sort()).toEqual([
        'charge.succeeded',
        'charge.updated',
        'checkout.session.completed',
        'payment_intent.created',
        'payment_intent.succeeded',
      ]);
      orders.add(types.join(','));
    }
    // 5 events have 120 orders; 30 payments all in one order would mean the order is fixed.
    expect(orders.size).toBeGreaterThan(1);
    store.stopTimers();
  });

  it('stamps every event with the pinned API version and renders charge.updated with its previous value', () => {
    const { sim, enqueued, input, store } = setup();
    sim.pay(sim.createSession(input).id);
    expect(new Set(enqueued.map((e) => e.event.api_version))).toEqual(new Set([SIMULATED_API_VERSION]));
    const updated = enqueued.find((e) => e.event.type === 'charge.updated')?.event;
    expect(updated?.data.previous_attributes).toEqual({ balance_transaction: null });
    expect(updated?.data.object).toMatchObject({ balance_transaction: expect.stringMatching(/^txn_/) });
    store.stopTimers();
  });
});
