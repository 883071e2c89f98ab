import type { AppDependencies } from '../../deps';
import { CatalogService } from './catalog-service';
import { ProductCache, type CacheLogger } from './product-cache';
import { ProductRepository } from './product-repository';

export type CatalogDeps = Pick<AppDependencies, 'database' | 'redis' | 'cacheRedis' | 'config'>;

const services = new WeakMap<CatalogDeps['redis'], CatalogService>();
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

export { CatalogService, isPurchasable, type ListRequest, type SearchRequest } from './catalog-service';
export { invalidateProducts, catalogKeys, type CachedProduct, type CacheLogger } from './product-cache';
export { registerStockGauge, STOCK_GAUGE_NAME } from './stock-gauge';
export { toProductDto } from './product-dto';
export type { ProductInput } from './product-repository';
