import { invalidateProducts } from '@simple-shop/cache';
import type { ObjectId } from '@simple-shop/db';
import type { Logger } from '@simple-shop/observability';
import type { OutcomeDeps, OutcomeResult } from '@simple-shop/order-outcomes';
import type { WorkerDependencies } from '../deps';
import type { WorkerMetrics } from '../metrics';
import { queueEmails } from './order-emails';

/** What a fulfilment step needs: the worker's connections, its metrics and a scoped logger. */
export interface FulfilmentContext {
  deps: WorkerDependencies;
  metrics: WorkerMetrics;
  log: Logger;
  correlationId?: string;
}

/** The order-outcome functions' view of the worker. */
export function outcomeDeps(ctx: FulfilmentContext): OutcomeDeps {
  return { database: ctx.deps.database, stripe: ctx.deps.stripe, log: ctx.log };
}

/**
 * Stock moved (reservations released, units restocked or re-reserved): the API's cached product
 * pages must not show the old number. Best effort — cached copies also expire by TTL.
 */
export async function stockChanged(ctx: FulfilmentContext, productIds: readonly ObjectId[]): Promise<void> {
  if (productIds.length === 0) return;
  const ok = await invalidateProducts(
    ctx.deps.cacheRedis ?? ctx.deps.redis,
    ctx.deps.config.REDIS_KEY_PREFIX,
    productIds.map((id) => id.toHexString()),
  );
  if (!ok) ctx.log.warn('product cache not invalidated after a stock change (Redis unavailable)');
}

/** The worker's part after an outcome committed: fresh product pages, then the emails. */
export async function followUp<O extends string>(ctx: FulfilmentContext, outcome: OutcomeResult<O>): Promise<O> {
  await stockChanged(ctx, outcome.stockChanged);
  await queueEmails(ctx.deps, outcome.outboxIds, ctx.correlationId);
  return outcome.outcome;
}
