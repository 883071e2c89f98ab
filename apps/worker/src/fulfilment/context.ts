import { invalidateProducts } from '@simple-shop/cache';
import type { ObjectId } from '@simple-shop/db';
import type { Logger } from '@simple-shop/observability';
import type { WorkerDependencies } from '../deps';
import type { WorkerMetrics } from '../metrics';

/** What a fulfilment step needs: the worker's connections, its metrics and a scoped logger. */
export interface FulfilmentContext {
  deps: WorkerDependencies;
  metrics: WorkerMetrics;
  log: Logger;
  correlationId?: string;
}

/**
 * Stock moved (holds released, units restocked or re-taken): the API's cached product pages must
 * not show the old number. Best effort — cached copies also expire by TTL.
 */
export async function stockChanged(ctx: FulfilmentContext, items: readonly { productId: ObjectId }[]): Promise<void> {
  const ok = await invalidateProducts(
    ctx.deps.redis,
    ctx.deps.config.REDIS_KEY_PREFIX,
    items.map((i) => i.productId.toHexString()),
  );
  if (!ok) ctx.log.warn('product cache not invalidated after a stock change (Redis unavailable)');
}
