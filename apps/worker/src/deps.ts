import { describeRedisTopology, type Config } from '@simple-shop/config';
import { connectDatabase, type Database } from '@simple-shop/db';
import type { Logger } from '@simple-shop/observability';
import { createStripeClient, type Stripe } from '@simple-shop/payments';
import {
  closeQueuesAndRedis,
  createAppQueues,
  createRedis,
  reportRedisAvailability,
  type AppQueues,
  type Redis,
} from '@simple-shop/queue';

/** What the worker process talks to. Workers get Redis settings BullMQ requires for blocking. */
export interface WorkerDependencies {
  config: Config;
  logger: Logger;
  database: Database;
  /** `maxRetriesPerRequest: null` connection shared by the workers (BullMQ duplicates it for blocking calls). */
  redis: Redis;
  /** The product cache's own Redis (CACHE_REDIS_URL): stock changes invalidate it there. Absent: `redis`. */
  cacheRedis?: Redis;
  /** Producers: the worker queues emails after a payment and re-queues swept events. */
  queues: AppQueues;
  /** Null when STRIPE_SECRET_KEY is unset (no refunds, no session checks). */
  stripe: Stripe | null;
  close(): Promise<void>;
}

export async function createWorkerDependencies(config: Config, logger: Logger): Promise<WorkerDependencies> {
  const database = await connectDatabase({
    uri: config.MONGODB_URI,
    dbName: config.MONGODB_DB,
    appName: `${config.serviceName}-worker`,
    logger,
    monitorCommands: true,
    serverSelectionTimeoutMS: config.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    socketTimeoutMS: config.MONGODB_SOCKET_TIMEOUT_MS,
    maxStartupAttempts: Number.POSITIVE_INFINITY,
  });
  logger.info({ redisTopology: config.redis.kind }, `Redis: ${describeRedisTopology(config.redis)}`);
  const redis = createRedis(config.redis, 'worker', `${config.serviceName}-worker`);
  // BullMQ workers wait through a Redis outage (ioredis reconnects with backoff); log it once, not per attempt.
  reportRedisAvailability(
    redis,
    logger,
    config.redis.kind === 'single' ? config.redis.url : describeRedisTopology(config.redis),
  );
  const cacheRedis = config.CACHE_REDIS_URL
    ? createRedis(config.CACHE_REDIS_URL, 'producer', `${config.serviceName}-worker-cache`)
    : undefined;
  if (cacheRedis && config.CACHE_REDIS_URL) reportRedisAvailability(cacheRedis, logger, config.CACHE_REDIS_URL);
  const queues = createAppQueues(redis, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    retry: { attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS },
  });
  return {
    config,
    logger,
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
