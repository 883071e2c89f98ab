import { Value } from '@sinclair/typebox/value';
import { productionSecretProblems } from './production-secrets';
import { parseRedisTopology, type RedisTopology } from './redis-topology';
import { EnvSchema, type Env } from './schema';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';

export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface Config extends Env {
  /** Parsed CORS allow-list. */
  corsOrigins: string[];
  serviceName: string;
  /** Parsed TRUST_PROXY, as Fastify's `trustProxy` takes it. */
  trustProxy: TrustProxy;
  /** Parsed Redis topology (single, Sentinel or Cluster, TLS or not): see redis-topology.ts. */
  redis: RedisTopology;
}

type RawEnv = Record<string, string | undefined>;

/** Environment strings become typed values before validation, so `PORT=abc` is reported, not NaN. */
function prepare(raw: RawEnv): Record<string, unknown> {
  const known = Object.keys(EnvSchema.properties);
  const picked: Record<string, unknown> = {};
  for (const key of known) {
    const value = raw[key];
    if (value === undefined || value === '') continue;
    picked[key] = value;
  }
  // Convert numeric/boolean strings according to the schema; leaves bad values for Check to report.
  return Value.Convert(EnvSchema, Value.Default(EnvSchema, picked)) as Record<string, unknown>;
}

/**
 * Reads and validates the environment. Throws a ConfigError naming every bad variable.
 * Never includes a variable's value in the message: it may be a secret.
 */
export function loadConfig(raw: RawEnv = process.env, defaults: RawEnv = {}): Config {
  const env = prepare({ ...defaults, ...raw });
  const problems: { variable: string; message: string }[] = [];
  for (const error of Value.Errors(EnvSchema, env)) {
    const variable = error.path.replace(/^\//, '') || '(root)';
    if (problems.some((p) => p.variable === variable)) continue;
    const missing = env[variable] === undefined;
    problems.push({ variable, message: missing ? 'is required but not set' : error.message });
  }
  // Forms a schema pattern cannot check (addresses, CIDR prefixes) are checked here, named the same way.
  const trustProxy = parseTrustProxy(String(env.TRUST_PROXY));
  if ('error' in trustProxy) problems.push({ variable: 'TRUST_PROXY', message: trustProxy.error });
  const redis = parseRedisTopology({
    ...(env as Record<string, unknown> as Record<string, string | undefined>),
    REDIS_TLS: env.REDIS_TLS === undefined ? undefined : String(env.REDIS_TLS),
  });
  for (const problem of redis.problems)
    if (!problems.some((p) => p.variable === problem.variable)) problems.push(problem);
  if (problems.length > 0 || 'error' in trustProxy || !redis.topology) throw new ConfigError(problems);
  const parsed = env as Env;
  const secretProblems = productionSecretProblems(parsed);
  if (secretProblems.length > 0) throw new ConfigError(secretProblems);
  return {
    ...parsed,
    corsOrigins: parsed.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    serviceName: parsed.SERVICE_NAME ?? 'simple-shop',
    trustProxy: trustProxy.value,
    redis: redis.topology,
  };
}

/** For process entry points: prints the problems and exits instead of throwing a stack trace. */
export function loadConfigOrExit(raw: RawEnv = process.env, defaults: RawEnv = {}): Config {
  try {
    return loadConfig(raw, defaults);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
