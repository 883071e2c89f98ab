import { defaultLog, type LogFn } from '../log';
import { once } from '../once';
import { redactUri } from '../uri';
import { pingRedis } from './ping';
import { startRedisServer } from './redis-server';

export type RedisKind = 'env' | 'local' | 'spawned';

export interface ResolvedRedis {
  kind: RedisKind;
  /** Empty when the environment names a Sentinel or Cluster topology instead of a URL. */
  url: string;
  description: string;
  /** Stops a spawned redis-server (no-op for `env`/`local`). Idempotent. */
  stop(): Promise<void>;
}

const LOCAL_HOST = '127.0.0.1';
const LOCAL_PORT = 6379;

/**
 * Finds a Redis for dev and tests, in this order (each skip is logged with its reason):
 * 0. `REDIS_CLUSTER_NODES` or `REDIS_SENTINELS` set: used as given, nothing resolved (url may be empty);
 * 1. `REDIS_URL` from the environment (used as is, `redis+sentinel://` included);
 * 2. a local Redis at 127.0.0.1:6379 that answers PING within ~500 ms;
 * 3. a throwaway `redis-server` spawned on a free port (clear error if redis-server is not installed).
 */
export async function resolveRedis(opts: { env?: NodeJS.ProcessEnv; log?: LogFn } = {}): Promise<ResolvedRedis> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? defaultLog;

  // Sentinel or Cluster named in the environment: the processes build their clients from those
  // variables themselves (see @simple-shop/config), so nothing is resolved or started here.
  const topologyVariable = ['REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'].find((name) => env[name]?.trim());
  if (topologyVariable) {
    const description = `${topologyVariable} as given (${env[topologyVariable]!.trim()})`;
    log(`Redis: using ${description}; no local Redis resolved or started`);
    return { kind: 'env', url: env.REDIS_URL?.trim() ?? '', description, stop: async () => undefined };
  }

  const envUrl = env.REDIS_URL?.trim();
  if (envUrl) {
    const description = `REDIS_URL ${redactUri(envUrl)}`;
    log(`Redis: using ${description}`);
    return { kind: 'env', url: envUrl, description, stop: async () => undefined };
  }

  const local = await pingRedis(LOCAL_HOST, LOCAL_PORT, 500);
  if (local.ok) {
    const url = `redis://${LOCAL_HOST}:${LOCAL_PORT}`;
    const description = `local redis-server at ${url}`;
    log(`Redis: REDIS_URL not set; using ${description}`);
    return { kind: 'local', url, description, stop: async () => undefined };
  }
  log(`Redis: REDIS_URL not set; skipped ${LOCAL_HOST}:${LOCAL_PORT}: ${local.reason}`);

  const server = await startRedisServer();
  const description = `spawned redis-server at ${server.url} (pid ${server.pid}; throwaway, no persistence)`;
  log(`Redis: using ${description}`);
  return { kind: 'spawned', url: server.url, description, stop: once(server.stop) };
}
