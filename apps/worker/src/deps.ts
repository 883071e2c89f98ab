import type { Config } from '@simple-shop/config';
import { connectDatabase, type Database } from '@simple-shop/db';
import type { Logger } from '@simple-shop/observability';
import { createRedis, type Redis } from '@simple-shop/queue';

/** What the worker process talks to. Workers get Redis settings BullMQ requires for blocking. */
export interface WorkerDependencies {
  config: Config;
  logger: Logger;
  database: Database;
  /** `maxRetriesPerRequest: null` connection shared by the workers (BullMQ duplicates it for blocking calls). */
  redis: Redis;
  close(): Promise<void>;
}

export async function createWorkerDependencies(config: Config, logger: Logger): Promise<WorkerDependencies> {
  const database = await connectDatabase({
    uri: config.MONGODB_URI,
    dbName: config.MONGODB_DB,
    appName: `${config.serviceName}-worker`,
    logger,
  });
  const redis = createRedis(config.REDIS_URL, 'worker', `${config.serviceName}-worker`);
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection error'));
  return {
    config,
    logger,
    database,
    redis,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await database.close();
    },
  };
}
