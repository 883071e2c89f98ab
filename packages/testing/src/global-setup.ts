import {
  redactUri,
  resolveMongo,
  resolveRedis,
  type ResolvedMongo,
  type ResolvedRedis,
} from '@simple-shop/dev-services';
import type { TestProject } from 'vitest/node';
import type {} from './provided-context';

/**
 * Vitest globalSetup: resolves MongoDB and Redis once per run through @simple-shop/dev-services and
 * provides `mongoUri`, `mongoKind`, `mongoIsStandIn` and `redisUrl` to the tests (`inject()`).
 *
 * Vitest runs this setup once per project that has test files in the run (the workspace has three).
 * Vitest loads the module separately per project, so the resolved services are shared through
 * `globalThis` with a reference count: the first project resolves (and e.g. starts one jongodb), the
 * others reuse it, and the last teardown stops what was started. Test files isolate themselves with
 * their own database name and Redis key prefix (see `testEnv()`).
 *
 * Prints one line per dependency. Set TEST_DEPS_VERBOSE=1 to also see why earlier options were skipped.
 */

interface Deps {
  mongo: ResolvedMongo;
  redis: ResolvedRedis;
}

interface Shared {
  refs: number;
  deps: Promise<Deps>;
}

const SHARED_KEY = Symbol.for('simple-shop.testing.global-deps');

function sharedSlot(): { current: Shared | undefined } {
  const g = globalThis as unknown as Record<symbol, { current: Shared | undefined } | undefined>;
  return (g[SHARED_KEY] ??= { current: undefined });
}

function mongoLabel(mongo: ResolvedMongo): string {
  const standIn = 'in-memory stand-in; transaction-isolation tests will be skipped';
  switch (mongo.kind) {
    case 'jongodb':
      return `jongodb (${standIn})`;
    case 'env':
      return mongo.isStandIn ? `MONGODB_URI, a jongodb (${standIn})` : 'MONGODB_URI (real MongoDB)';
    case 'testcontainers':
      return 'testcontainers mongo:8 (real MongoDB replica set)';
    case 'mongodb-memory-server':
      return 'mongodb-memory-server (real mongod replica set)';
    default:
      return mongo.kind;
  }
}

async function resolveDeps(): Promise<Deps> {
  const details: string[] = [];
  const verbose = process.env.TEST_DEPS_VERBOSE === '1';
  const log = (line: string): void => {
    details.push(line);
    if (verbose) console.log(`[test-deps] ${line}`);
  };
  const [mongo, redis] = await Promise.allSettled([resolveMongo({ log }), resolveRedis({ log })]);
  if (mongo.status === 'rejected' || redis.status === 'rejected') {
    if (mongo.status === 'fulfilled') await mongo.value.stop();
    if (redis.status === 'fulfilled') await redis.value.stop();
    const reasons = [mongo, redis]
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => (r.reason instanceof Error ? r.reason.message : String(r.reason)));
    throw new Error(
      `[test-deps] could not provide the test dependencies:\n${reasons.join('\n')}\n` +
        `Resolver log:\n${details.map((d) => `  ${d}`).join('\n')}`,
    );
  }
  console.log(`[test-deps] MongoDB: ${mongoLabel(mongo.value)} ${redactUri(mongo.value.uri)}`);
  console.log(`[test-deps] Redis: ${redis.value.description}`);
  return { mongo: mongo.value, redis: redis.value };
}

async function release(): Promise<void> {
  const slot = sharedSlot();
  const shared = slot.current;
  if (!shared) return;
  shared.refs -= 1;
  if (shared.refs > 0) return;
  slot.current = undefined;
  const deps = await shared.deps.catch(() => undefined);
  if (!deps) return;
  await Promise.allSettled([deps.mongo.stop(), deps.redis.stop()]);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const slot = sharedSlot();
  if (!slot.current) slot.current = { refs: 0, deps: resolveDeps() };
  const shared = slot.current;
  shared.refs += 1;
  let deps: Deps;
  try {
    deps = await shared.deps;
  } catch (error) {
    await release();
    throw error;
  }
  project.provide('mongoUri', deps.mongo.uri);
  project.provide('mongoKind', deps.mongo.kind);
  project.provide('mongoIsStandIn', deps.mongo.isStandIn);
  project.provide('redisUrl', deps.redis.url);
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await release();
  };
}
