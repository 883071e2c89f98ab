import type { AppDependencies } from '../../deps';
import { CatalogReads } from './catalog-reads';
import { CatalogService } from './catalog-service';
import { ProductCache, type CacheLogger } from './product-cache';
import { ProductRepository } from './product-repository';

export type CatalogDeps = Pick<AppDependencies, 'database' | 'redis' | 'cacheRedis' | 'config'>;

const services = new WeakMap<CatalogDeps['redis'], CatalogService>();
const readers = new WeakMap<CatalogService, CatalogReads>();
const silent: CacheLogger = { warn: () => undefined, info: () => undefined, debug: () => undefined };

/**
 * The catalog service of an app (one per Redis client, so its pending-invalidation state and its
 * Redis listener exist once). Routes call `catalogFor(app.deps, app.log)`; the first caller's logger is kept.
 */
export function catalogFor(deps: CatalogDeps, log: CacheLogger = silent): CatalogService {
  let service = services.get(deps.redis);
  if (!service) {
    service = new CatalogService(
      new ProductRepository(deps.database.collections.products, deps.config.MONGODB_CATALOG_READ_PREFERENCE),
      new ProductCache(deps.cacheRedis ?? deps.redis, {
        keyPrefix: deps.config.REDIS_KEY_PREFIX,
        ttlSeconds: deps.config.PRODUCT_CACHE_TTL_SECONDS,
        maxBytes: deps.config.PRODUCT_CACHE_MAX_BYTES,
        log,
      }),
    );
    services.set(deps.redis, service);
  }
  return service;
}

/**
 * The catalog GET path of an app (catalog-reads.ts): one per catalog service, so the in-process answers
 * and the batch of the current event-loop turn exist once.
 */
export function catalogReadsFor(deps: CatalogDeps, log: CacheLogger = silent): CatalogReads {
  const catalog = catalogFor(deps, log);
  let reads = readers.get(catalog);
  if (!reads) {
    reads = new CatalogReads(catalog, deps.cacheRedis ?? deps.redis, {
      max: deps.config.CATALOG_RATE_LIMIT_MAX,
      windowMs: deps.config.RATE_LIMIT_WINDOW_MS,
      localMaxBytes: deps.config.PRODUCT_CACHE_LOCAL_MAX_BYTES,
      log,
    });
    readers.set(catalog, reads);
  }
  return reads;
}

export { CatalogReads, type CatalogOutcome } from './catalog-reads';
export { CatalogService, isPurchasable, type ListRequest, type SearchRequest } from './catalog-service';
export { invalidateProducts, catalogKeys, type CachedProduct, type CacheLogger } from './product-cache';
export { registerStockGauge, STOCK_GAUGE_NAME } from './stock-gauge';
export { toProductDto } from './product-dto';
export type { ProductInput } from './product-repository';
