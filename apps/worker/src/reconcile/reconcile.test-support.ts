import { loadConfig } from '@simple-shop/config';
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { testEnv } from '@simple-shop/testing';
import { pino } from 'pino';
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
