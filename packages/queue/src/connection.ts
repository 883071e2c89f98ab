import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { RedisTls, RedisTopology } from '@simple-shop/config';
import { Cluster, Redis as SingleRedis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * Every Redis connection of the product (API, worker, BullMQ, cache, limiters, Bull Board) is built
 * here, for whichever topology the configuration names: one server, a Sentinel-managed primary, or
 * a Cluster. Callers hold a `Redis`, which is either ioredis client: BullMQ, the rate limiter and
 * the cache scripts accept both.
 *
 * Connection roles, as BullMQ documents them:
 * - workers block on Redis and must never give up a command: `maxRetriesPerRequest: null`;
 * - producers (the API) must fail fast when Redis is down so a request is not held hostage:
 *   `enableOfflineQueue: false` and a single retry.
 * Both reconnect forever with a capped backoff.
 */
export type Redis = SingleRedis | Cluster;
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

/** Node TLS options from the configuration; the CA file is read once, when the client is built. */
export function tlsOptions(tls: RedisTls | undefined): ConnectionOptions | undefined {
  if (!tls) return undefined;
  return {
    ...(tls.caFile ? { ca: readFileSync(tls.caFile) } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}

/**
 * Cluster: the role's per-node settings go into `redisOptions`; the offline queue, auto-pipelining and
 * retry strategy are the cluster's own. With TLS, node addresses are used as given instead of being
 * resolved to IPs first, so certificates issued for host names (managed Redis) still verify.
 */
function clusterOptions(
  topology: Extract<RedisTopology, { kind: 'cluster' }>,
  role: RedisRole,
  name: string,
): ClusterOptions {
  const {
    retryStrategy: nodeRetry,
    enableOfflineQueue,
    enableAutoPipelining,
    lazyConnect,
    ...perNode
  } = redisOptions(role, name);
  const tls = tlsOptions(topology.tls);
  return {
    clusterRetryStrategy: (times) => (nodeRetry ? nodeRetry(times) : retryStrategy(times)),
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableAutoPipelining: enableAutoPipelining ?? false,
    lazyConnect: lazyConnect ?? false,
    // The cluster's ready check (CLUSTER INFO) waits for a full slot map; off for the same reason
    // as a single client's: a producer fails fast instead, and a worker queues until it is ready.
    enableReadyCheck: false,
    slotsRefreshTimeout: 2000,
    redisOptions: { ...perNode, ...topology.auth, ...(tls ? { tls } : {}) },
    ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
}

/** Builds a client for `topology` (a plain URL string is a single server) with the role's settings. */
export function createRedis(topology: RedisTopology | string, role: RedisRole, connectionName: string): Redis {
  const resolved: RedisTopology = typeof topology === 'string' ? { kind: 'single', url: topology } : topology;
  const options = redisOptions(role, connectionName);
  switch (resolved.kind) {
    case 'single': {
      const tls = tlsOptions(resolved.tls);
      return new SingleRedis(resolved.url, { ...options, ...(tls ? { tls } : {}) });
    }
    case 'sentinel': {
      const tls = tlsOptions(resolved.tls);
      return new SingleRedis({
        ...options,
        sentinels: resolved.sentinels,
        name: resolved.name,
        db: resolved.db,
        ...resolved.auth,
        ...(resolved.sentinelPassword ? { sentinelPassword: resolved.sentinelPassword } : {}),
        // Sentinels and data nodes share one TLS setting: a deployment that encrypts one encrypts both.
        ...(tls ? { tls, enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
        // Not ioredis' `failoverDetector`: when the primary has died, its +switch-master handler ends
        // the connector while the client is already reconnecting, and the client then stays closed for
        // good (seen in the Sentinel failover test). A dead primary breaks the connection anyway, and
        // a demoted live one is caught by READONLY below.
        // A demoted primary answers writes with READONLY: reconnect (Sentinel names the new one).
        reconnectOnError: (error) => error.message.startsWith('READONLY'),
      });
    }
    case 'cluster':
      return new Cluster(resolved.nodes, clusterOptions(resolved, role, connectionName));
  }
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

/**
 * The key prefix BullMQ uses, under the deployment's Redis key prefix. The braces are a Cluster hash
 * tag: BullMQ's scripts touch several keys of a queue (and flows several queues) at once, which a
 * Cluster allows only when they share one slot, so every queue key hashes on `<prefix>:bull` alone.
 * On a single server or Sentinel the braces are just characters.
 */
export function bullPrefix(keyPrefix: string): string {
  return `{${keyPrefix}:bull}`;
}
