import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ObjectId } from 'mongodb';
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { typecheck } from '@simple-shop/stripe-simulator/typecheck';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkoutIdempotencyKey, checkoutSessionParams } from '../checkout';
import { refundIdempotencyKey } from '../refunds';
import { createStripeClient, STRIPE_API_VERSION, type Stripe } from '../stripe-client';
import { verifyStripeEvent } from '../webhooks';
import { ContractRecorder } from './contract.test-support';

/**
 * The contract between the shop and Stripe, offline: each flow (paid, declined, delayed success and
 * failure, expired, refunded) runs through the shop's own Stripe client and parameter builders
 * against the simulator; every response and every webhook payload the shop's endpoint verifies is
 * recorded and then type-checked against the installed `stripe` SDK's typings (see contract.test-support.ts).
 */
const SECRET = 'whsec_contract_test';
const recorder = new ContractRecorder();
const received: Stripe.Event[] = [];
const responseVersions = new Set<string | undefined>();
let sim: StripeSimulator;
let stripe: Stripe;
let endpoint: http.Server;

beforeAll(async () => {
  endpoint = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signature = req.headers['stripe-signature'];
      received.push(verifyStripeEvent(Buffer.concat(chunks), typeof signature === 'string' ? signature : '', SECRET));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  sim = await startStripeSimulator({
    webhookSecret: SECRET,
    webhookUrl: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/`,
    retry: { baseDelayMs: 10, maxAttempts: 2 },
  });
  stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_API_BASE: sim.url })!;
});
afterAll(async () => {
  await sim?.close();
  await new Promise((resolve) => endpoint?.close(resolve));
});

type Respond = { lastResponse: { apiVersion?: string } };
function record<T extends Respond>(flow: string, call: string, type: string, response: T): T {
  responseVersions.add(response.lastResponse.apiVersion);
  recorder.response(`${flow}: ${call}`, type, response);
  return response;
}

/** The order's session, created the way the API's checkout service creates it. */
async function openSession(flow: string): Promise<Stripe.Checkout.Session> {
  const order = {
    _id: new ObjectId(),
    userId: new ObjectId(),
    currency: 'eur',
    items: [
      { productId: new ObjectId(), name: 'Mug', unitPrice: 1250, quantity: 2 },
      { productId: new ObjectId(), name: 'Coaster', unitPrice: 300, quantity: 1 },
    ],
  };
  const params = checkoutSessionParams(order as Parameters<typeof checkoutSessionParams>[0], {
    successUrl: 'https://shop.example/checkout/success?session_id={CHECKOUT_SESSION_ID}',
    cancelUrl: 'https://shop.example/checkout/cancel',
    expiresAt: new Date(Date.now() + 2 * 3600_000),
    customerEmail: 'buyer@example.com',
  });
  const key = checkoutIdempotencyKey(order._id.toHexString());
  return record(
    flow,
    'sessions.create',
    'Stripe.Checkout.Session',
    await stripe.checkout.sessions.create(params, { idempotencyKey: key }),
  );
}

const retrieve = async (flow: string, id: string) =>
  record(flow, 'sessions.retrieve', 'Stripe.Checkout.Session', await stripe.checkout.sessions.retrieve(id));

it('every flow answers and notifies in the SDK types of the pinned API version', async () => {
  const paid = await openSession('paid');
  await sim.pay(paid.id);
  expect((await retrieve('paid', paid.id)).payment_status).toBe('paid');
  record(
    'health',
    'sessions.list',
    'Stripe.ApiList<Stripe.Checkout.Session>',
    await stripe.checkout.sessions.list({ limit: 1 }),
  );

  const declined = await openSession('declined');
  await sim.decline(declined.id);
  expect((await retrieve('declined', declined.id)).status).toBe('open');

  const delayed = await openSession('delayed success');
  await sim.pay(delayed.id, { async: true });
  expect((await retrieve('delayed success', delayed.id)).payment_status).toBe('unpaid');
  await sim.completeAsyncPayment(delayed.id, 'succeeded');
  expect((await retrieve('delayed success', delayed.id)).payment_status).toBe('paid');

  const bounced = await openSession('delayed failure');
  await sim.pay(bounced.id, { async: true });
  await sim.completeAsyncPayment(bounced.id, 'failed');
  expect((await retrieve('delayed failure', bounced.id)).payment_status).toBe('unpaid');

  const expired = await openSession('expired');
  await sim.decline(expired.id); // leaves a PaymentIntent that expiring cancels
  const expiredNow = await stripe.checkout.sessions.expire(expired.id);
  expect(record('expired', 'sessions.expire', 'Stripe.Checkout.Session', expiredNow).status).toBe('expired');

  const refunded = await openSession('refunded');
  await sim.pay(refunded.id);
  const { payment_intent } = await retrieve('refunded', refunded.id);
  const refund = await stripe.refunds.create(
    { payment_intent: payment_intent as string, metadata: { orderId: 'order', reason: 'customer asked' } },
    { idempotencyKey: refundIdempotencyKey(refunded.id) },
  );
  expect(record('refunded', 'refunds.create', 'Stripe.Refund', refund).status).toBe('succeeded');

  await sim.waitForDeliveries();
  // Everything the simulator created reached the shop's endpoint and passed its signature check.
  expect(received.map((e) => e.id).sort()).toEqual(
    sim
      .events()
      .map((e) => e.id)
      .sort(),
  );
  for (const event of received) recorder.event('webhook', event);
  expect(new Set(received.map((e) => e.type))).toEqual(
    new Set([
      'checkout.session.completed',
      'checkout.session.expired',
      'checkout.session.async_payment_succeeded',
      'checkout.session.async_payment_failed',
      'payment_intent.created',
      'payment_intent.processing',
      'payment_intent.succeeded',
      'payment_intent.payment_failed',
      'payment_intent.canceled',
      'charge.pending',
      'charge.succeeded',
      'charge.failed',
      'charge.updated',
      'charge.refunded',
      'refund.created',
    ]),
  );
  // One version everywhere: the pin, the answers' Stripe-Version, every event's api_version.
  expect(responseVersions).toEqual(new Set([STRIPE_API_VERSION]));
  expect(new Set(received.map((e) => e.api_version))).toEqual(new Set([STRIPE_API_VERSION]));

  // Controls: the check must reject what real Stripe would not send, or this test proves nothing.
  const session = recorder.records[0]!.value as Record<string, unknown>;
  const { custom_text: _dropped, ...withoutCustomText } = session;
  recorder.response('control: missing custom_text', 'Stripe.Checkout.Session', withoutCustomText);
  recorder.response('control: extra field', 'Stripe.Checkout.Session', { ...session, userId: 'u1' });
  recorder.response('control: old ui_mode', 'Stripe.Checkout.Session', { ...session, ui_mode: 'hosted' });

  const { source, labelOfLine } = recorder.toTypeScript();
  // Inside this package's node_modules so `stripe` resolves as it does for the shop (and git ignores it).
  const dir = mkdtempSync(join(fileURLToPath(new URL('../../node_modules/', import.meta.url)), '.contract-'));
  try {
    const file = join(dir, 'recorded.ts');
    writeFileSync(file, source);
    const failures = typecheck([file]).map((e) => `${labelOfLine(e.line)}: ${e.message.split('\n')[0]}`);
    expect(failures.filter((f) => !f.startsWith('control: '))).toEqual([]);
    expect(failures.map((f) => f.split(':').slice(0, 2).join(':'))).toEqual([
      'control: missing custom_text',
      'control: extra field',
      'control: old ui_mode',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
