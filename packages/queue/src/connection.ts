import { Redis, type RedisOptions } from 'ioredis';

/**
 * Redis connections as BullMQ documents them:
 * - workers block on Redis and must never give up a command: `maxRetriesPerRequest: null`;
 * - producers (the API) must fail fast when Redis is down so a request is not held hostage:
 *   `enableOfflineQueue: false` and a single retry.
 * Both reconnect forever with a capped backoff.
 */
export type RedisRole = 'worker' | 'producer' | 'client';

const retryStrategy = (times: number): number => Math.min(times * 200, 5000);

export function redisOptions(role: RedisRole, connectionName: string): RedisOptions {
  const base: RedisOptions = {
    connectionName,
    retryStrategy,
    connectTimeout: 5000,
    lazyConnect: false,
  };
  if (role === 'worker') return { ...base, maxRetriesPerRequest: null, enableReadyCheck: false };
  // No ready check: with the offline queue off, ioredis' INFO ready check can itself be rejected
  // while reconnecting and surface as an unhandled rejection.
  // Auto-pipelining: commands issued in the same tick (many concurrent requests' cache reads and
  // rate-limit calls) leave in one socket write instead of one write each.
  return {
    ...base,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    commandTimeout: 2000,
    enableAutoPipelining: true,
  };
}

/**
 * Waits until a client is connected, up to `timeoutMs`. Resolves false instead of throwing:
 * a process starts with Redis down and reports it through readiness, it does not crash.
 */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}

export function createRedis(url: string, role: RedisRole, connectionName: string): Redis {
  return new Redis(url, redisOptions(role, connectionName));
}

/** The key prefix BullMQ uses, under the deployment's Redis key prefix. */
export function bullPrefix(keyPrefix: string): string {
  return `${keyPrefix}:bull`;
}

export type { Redis } from 'ioredis';
