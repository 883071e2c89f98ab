// Helpers shared by this package's tests (not exported from the package).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { StripeSimulator } from './options';
import type { StripeEvent, StripeEventType } from './types';
import { startStripeSimulator } from './server';

export const TEST_KEY = 'sk_test_simulator';
export const WEBHOOK_SECRET = 'whsec_test_simulator_secret';

export function stripeFor(sim: StripeSimulator, opts: { key?: string; maxNetworkRetries?: number } = {}): Stripe {
  return new Stripe(opts.key ?? TEST_KEY, {
    host: '127.0.0.1',
    port: sim.port,
    protocol: 'http',
    maxNetworkRetries: opts.maxNetworkRetries ?? 0,
    telemetry: false,
  });
}

export function sessionParams(
  overrides: Partial<Stripe.Checkout.SessionCreateParams> = {},
): Stripe.Checkout.SessionCreateParams {
  return {
    mode: 'payment',
    line_items: [
      { price_data: { currency: 'usd', unit_amount: 1999, product_data: { name: 'Blue mug' } }, quantity: 2 },
      { price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'Coaster' } }, quantity: 1 },
    ],
    success_url: 'http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://shop.test/checkout/cancel',
    // The shop's own shape: the order and the buyer on the session, only the order on the payment.
    metadata: { orderId: 'order_123', userId: 'user_1' },
    payment_intent_data: { metadata: { orderId: 'order_123' } },
    ...overrides,
  };
}

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
  event: { id: string; type: string; data: { object: Record<string, unknown> } };
}

/**
 * A status code, a status code sent after a delay (a slow endpoint), or a status code sent once a
 * promise the test controls settles (an endpoint held open for as long as the test wants).
 */
export type Responder = (
  index: number,
  hook: ReceivedWebhook,
) => number | { status: number; delayMs: number } | { status: number; until: Promise<unknown> };

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decides the answer to each delivery (default 200); gets the 0-based index of the delivery. */
  respondWith(fn: Responder): void;
  close(): Promise<void>;
}

/** A tiny webhook endpoint that records raw bodies, like the shop's must (signature checks need the exact bytes). */
export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  let responder: Responder = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const hook: ReceivedWebhook = { headers: req.headers, body, at: Date.now(), event: JSON.parse(body) };
      const index = received.push(hook) - 1;
      const answer = responder(index, hook);
      const status = typeof answer === 'number' ? answer : answer.status;
      const reply = () => {
        if (res.destroyed) return;
        res.statusCode = status;
        res.end(status < 300 ? '{"received":true}' : 'nope');
      };
      if (typeof answer === 'object' && 'until' in answer) void answer.until.finally(reply);
      else if (typeof answer === 'object' && answer.delayMs > 0) setTimeout(reply, answer.delayMs).unref();
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    respondWith(fn) {
      responder = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** POSTs a hosted-page form the way a browser would (no redirect following). */
export function postForm(sim: StripeSimulator, path: string): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
    redirect: 'manual',
  });
}

/**
 * The usual test-file setup: one simulator for the file (closed after it), reset before each test,
 * and an SDK client pointed at it. Read `t.sim` / `t.stripe` inside tests and hooks.
 */
export function useSimulator(): { sim: StripeSimulator; stripe: Stripe } {
  const t = {} as { sim: StripeSimulator; stripe: Stripe };
  beforeAll(async () => {
    t.sim = await startStripeSimulator({ webhookSecret: WEBHOOK_SECRET });
    t.stripe = stripeFor(t.sim);
  });
  afterAll(() => t.sim.close());
  beforeEach(() => t.sim.reset());
  return t;
}

/** The event types a Checkout-only endpoint subscribes to; delivery tests use them for one delivery per change. */
export const CHECKOUT_ENDPOINT_EVENTS = [
  'checkout.session.completed',
  'checkout.session.expired',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'payment_intent.payment_failed',
  'charge.refunded',
  'refund.created',
] as const satisfies readonly StripeEventType[];

/** Events of these types, oldest first. Each change's events are created in a random order. */
export function eventsOfType<T extends StripeEventType>(
  sim: StripeSimulator,
  ...types: T[]
): Extract<StripeEvent, { type: T }>[] {
  return sim
    .events()
    .filter((e): e is Extract<StripeEvent, { type: T }> => (types as StripeEventType[]).includes(e.type));
}

/** The sorted types of every event so far (order-free comparison). */
export function eventTypes(sim: StripeSimulator): string[] {
  return sim
    .events()
    .map((e) => e.type)
    .sort();
}
