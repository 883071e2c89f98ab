import type { Cluster, Redis as SingleRedis } from 'ioredis';

/** Either ioredis client: a single server / Sentinel primary, or a Cluster. */
type Redis = SingleRedis | Cluster;

/**
 * The Redis layout of the product cache, shared by the API (which reads and fills it) and the
 * worker (which moves stock and must invalidate too). See apps/api/src/services/catalog/product-cache.ts.
 */
export function catalogKeys(keyPrefix: string) {
  // One Cluster hash tag for the whole catalog: invalidation (MULTI), the conditional write-back and
  // the page read (scripts) touch the generation together with product/page keys, which a Cluster
  // allows only within one slot. The cost is that the catalog lives on one shard (docs/scaling.md).
  const base = `{${keyPrefix}:catalog}`;
  return {
    /** The hash-tagged prefix every catalog key starts with (one Cluster slot). */
    base,
    generation: `${base}:gen`,
    /** Bytes written back in the current TTL window (the write-back script checks it with the generation). */
    budget: `${base}:budget`,
    product: (id: string) => `${base}:product:${id}`,
    pagePrefix: `${base}:page:`,
    page: (generation: string, hash: string) => `${base}:page:${generation}:${hash}`,
  };
}

/**
 * Invalidates the cached copies of these products and every cached list/search page. Call it after
 * any write that changes what shoppers see of a product (price, stock, active, ...) — orders call
 * it after holding or releasing stock. One Redis round trip; never throws: resolves `false` when
 * Redis could not be told (the copies then live until their TTL, `PRODUCT_CACHE_TTL_SECONDS`).
 *
 * A missing generation starts from the current time in ms, so after a Redis flush the new
 * generations can not meet pages cached under old small numbers.
 */
export async function invalidateProducts(
  redis: Redis,
  keyPrefix: string,
  productIds: readonly string[],
): Promise<boolean> {
  const keys = catalogKeys(keyPrefix);
  try {
    const multi = redis.multi().set(keys.generation, String(Date.now()), 'NX').incr(keys.generation);
    const productKeys = [...new Set(productIds)].map((id) => keys.product(id.toLowerCase()));
    if (productKeys.length > 0) multi.del(...productKeys);
    const results = await multi.exec();
    return results !== null && results.every(([error]) => !error);
  } catch {
    return false;
  }
}
