import { loadConfig } from '@simple-shop/config';
import { ObjectId, type OrderDoc, type ProductDoc } from '@simple-shop/db';
import { createOrder } from '@simple-shop/orders';
import { checkoutSessionParams, type Stripe } from '@simple-shop/payments';
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { testEnv } from '@simple-shop/testing';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { createWorkerDependencies, type WorkerDependencies } from '../deps';
import type { FulfilmentContext } from '../fulfilment/context';
import { workerMetricSources } from '../metric-sources';
import { createWorkerMetrics } from '../metrics';

/**
 * What the reconciliation tests run it with, in-process: the worker's real dependencies (MongoDB,
 * Redis, BullMQ) pointed at a Stripe simulator of their own. `close()` stops both.
 */
export async function startReconcileHarness(webhookSecret: string): Promise<{
  sim: StripeSimulator;
  deps: WorkerDependencies;
  ctx: FulfilmentContext;
}> {
  const sim = await startStripeSimulator({ apiKeys: ['sk_test_simulator'], webhookSecret });
  const config = loadConfig(testEnv({ STRIPE_SECRET_KEY: 'sk_test_simulator', STRIPE_API_BASE: sim.url }));
  const logger = pino({ level: 'silent' });
  const deps = await createWorkerDependencies(config, logger);
  return { sim, deps, ctx: { deps, metrics: createWorkerMetrics(workerMetricSources(deps)), log: logger } };
}

/**
 * An unpaid order of `quantity` units of `product` (reserved) with its Checkout Session on the
 * simulator, opened the way the API opens it.
 */
export async function orderWithSession(
  deps: WorkerDependencies,
  stripe: Stripe,
  product: ProductDoc,
  quantity: number,
  userId: ObjectId = new ObjectId(),
): Promise<{ order: OrderDoc; sessionId: string }> {
  const order = await createOrder(deps.database, {
    userId,
    lines: [{ productId: product._id, quantity }],
    ttlSeconds: 3600,
  });
  const session = await stripe.checkout.sessions.create(
    checkoutSessionParams(order, {
      successUrl: 'http://shop.test/ok',
      cancelUrl: 'http://shop.test/no',
      expiresAt: new Date(Date.now() + 3600_000),
    }),
  );
  await deps.database.collections.orders.updateOne({ _id: order._id }, { $set: { checkoutSessionId: session.id } });
  return { order: { ...order, checkoutSessionId: session.id }, sessionId: session.id };
}

export interface CapturedLogs {
  logger: Logger;
  /** Every line logged so far, parsed (pino's numeric levels: 30 info, 40 warn, 50 error). */
  lines(): Record<string, unknown>[];
}

/** A logger that keeps what it writes, so a test can assert the lines operators are alerted by. */
export function captureLogs(): CapturedLogs {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  return {
    logger,
    lines: () => written.flatMap((text) => text.split('\n').filter(Boolean)).map((line) => JSON.parse(line)),
  };
}
