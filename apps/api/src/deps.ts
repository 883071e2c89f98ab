import { describeRedisTopology, type Config } from '@simple-shop/config';
import { connectDatabase, type Database } from '@simple-shop/db';
import type { Logger } from '@simple-shop/observability';
import { createStripeClient, type Stripe } from '@simple-shop/payments';
import {
  closeQueuesAndRedis,
  createAppQueues,
  createRedis,
  type AppQueues,
  type Redis,
  reportRedisAvailability,
  waitForRedis,
} from '@simple-shop/queue';

/**
 * Everything the API talks to, created once per process and handed to the app. Tests build
 * the same object against their own database and Redis key prefix.
 */
export interface AppDependencies {
  config: Config;
  database: Database;
  /** Fail-fast Redis client for cache, carts and rate limits (no offline queue). */
  redis: Redis;
  /**
   * The product cache's own Redis (CACHE_REDIS_URL, meant for `allkeys-lru`), so cached pages can never
   * take the memory BullMQ and the rate limits need. Absent: the cache uses `redis`, within its byte budget.
   */
  cacheRedis?: Redis;
  queues: AppQueues;
  /** Null when STRIPE_SECRET_KEY is unset: payment routes then answer 503. */
  stripe: Stripe | null;
  close(): Promise<void>;
}

export async function createDependencies(config: Config, logger: Logger): Promise<AppDependencies> {
  const database = await connectDatabase({
    uri: config.MONGODB_URI,
    dbName: config.MONGODB_DB,
    appName: `${config.serviceName}-api`,
    logger,
    monitorCommands: true,
    serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    socketTimeoutMS: config.MONGODB_SOCKET_TIMEOUT_MS,
    maxStartupAttempts: Number.POSITIVE_INFINITY,
  });
  logger.info({ redisTopology: config.redis.kind }, `Redis: ${describeRedisTopology(config.redis)}`);
  const redis = createRedis(config.redis, 'producer', `${config.serviceName}-api`);
  // An unreachable Redis must not crash the process: ioredis keeps reconnecting with backoff, the
  // outage is logged once, and /health/deep reports it.
  reportRedisAvailability(
    redis,
    logger,
    config.redis.kind === 'single' ? config.redis.url : describeRedisTopology(config.redis),
  );
  if (!(await waitForRedis(redis, 2000)))
    logger.warn('Redis is not reachable yet; starting degraded (see /health/deep)');
  const cacheRedis = config.CACHE_REDIS_URL
    ? createRedis(config.CACHE_REDIS_URL, 'producer', `${config.serviceName}-api-cache`)
    : undefined;
  cacheRedis?.on('error', (error: Error) => logger.debug({ err: error }, 'cache redis connection error'));
  const queues = createAppQueues(redis, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    retry: { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS },
  });
  for (const { queue } of Object.values(queues)) {
    queue.on('error', (error: Error) => logger.debug({ err: error, queue: queue.name }, 'queue error'));
  }

  return {
    config,
    database,
    redis,
    ...(cacheRedis ? { cacheRedis } : {}),
    queues,
    stripe: createStripeClient(config),
    async close() {
      cacheRedis?.disconnect();
      await closeQueuesAndRedis(queues, redis);
      await database.close();
    },
  };
}
