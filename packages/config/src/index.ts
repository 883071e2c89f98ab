export { EnvSchema, type Env } from './schema';
export { parseTrustProxy, type TrustProxy } from './trust-proxy';
export { loadConfig, loadConfigOrExit, ConfigError, type Config } from './load-config';
export { productionSecretProblems, PUBLISHED_JWT_SECRETS, SIMULATOR_STRIPE_KEY } from './production-secrets';
export {
  parseRedisTopology,
  parseAddresses,
  describeRedisTopology,
  type RedisTopology,
  type RedisAddress,
  type RedisTls,
  type RedisAuth,
} from './redis-topology';
