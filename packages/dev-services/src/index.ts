export {
  resolveMongo,
  STAND_IN_WARNING,
  type MongoKind,
  type ResolvedMongo,
  type ResolveOptions,
} from './mongo/resolve-mongo';
export { startJongodb, jongodbBinaryPath, type StartedJongodb } from './mongo/jongodb';
export { resolveRedis, type RedisKind, type ResolvedRedis } from './redis/resolve-redis';
export { startRedisServer, REDIS_INSTALL_HINT, type StartedRedisServer } from './redis/redis-server';
export { pingRedis } from './redis/ping';
export { isMongoStandIn, mongoServerVersion } from './detect-stand-in';
export { freePort } from './free-port';
export { redactUri } from './uri';
export { trackChildProcess, signalChild, onLines, type ExitInfo } from './child-process';
export type { LogFn } from './log';
export { startRedisCluster, type StartedRedisCluster } from './redis/redis-cluster';
export { startRedisSentinelGroup, type StartedRedisSentinelGroup, type SentinelDataNode } from './redis/redis-sentinel';
export { createTestCertificates, tlsServerArgs, type TlsFiles } from './redis/tls-certificates';
export { spawnRedisProcess, scratchDir, waitUntil } from './redis/redis-process';
export { redisCommand } from './redis/redis-cli';
