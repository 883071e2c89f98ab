import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '@simple-shop/config';
import { describe, inject, it, type TestFunction } from 'vitest';
import type {} from './provided-context';

export interface TestDeps {
  /** MongoDB connection string without a database name. */
  mongoUri: string;
  /** 'env' | 'testcontainers' | 'mongodb-memory-server' | 'jongodb' */
  mongoKind: string;
  /** true when MongoDB is the jongodb stand-in (no transaction isolation). */
  mongoIsStandIn: boolean;
  redisUrl: string;
}

function provided<K extends keyof TestDeps>(key: K): TestDeps[K] {
  const value = inject(key) as TestDeps[K] | undefined;
  if (value === undefined) {
    throw new Error(
      `@simple-shop/testing: '${key}' was not provided. Add './packages/testing/src/global-setup.ts' ` +
        "to this vitest project's `globalSetup` (see vitest.workspace.ts).",
    );
  }
  return value;
}

/** The MongoDB and Redis the global setup resolved for this run. Call inside test files only. */
export function testDeps(): TestDeps {
  return {
    mongoUri: provided('mongoUri'),
    mongoKind: provided('mongoKind'),
    mongoIsStandIn: provided('mongoIsStandIn'),
    redisUrl: provided('redisUrl'),
  };
}

/**
 * A short unique name such as `t_orders_k3j9x0q2ab`, valid as a MongoDB database name and as a Redis
 * key prefix. Use one per test file (or per test) so files running in parallel never share data.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 24) || 'x';
  const random = BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString(36)
    .padStart(10, '0')
    .slice(-10);
  return `t_${clean}_${random}`;
}

/** 48 characters; only for tests. */
export const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdefghijklmnopq';

/** The variables `testEnv()` always sets (so they need no `!`), plus any overrides. */
export type TestEnv = Record<string, string> & {
  NODE_ENV: string;
  LOG_LEVEL: string;
  MONGODB_URI: string;
  MONGODB_DB: string;
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  JWT_SECRET: string;
  PORT: string;
  WORKER_PORT: string;
};

/**
 * An environment for `loadConfig` from @simple-shop/config pointing at the resolved MongoDB and Redis,
 * with a fresh database name (MONGODB_DB) and Redis key prefix (REDIS_KEY_PREFIX) on every call.
 * Call it once per test file (module scope or beforeAll) and share the result between the API and
 * worker of that file. LOG_LEVEL is `silent` unless TEST_LOG_LEVEL is set.
 */
export function testEnv(overrides: Record<string, string> = {}): TestEnv {
  const deps = testDeps();
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL || 'silent',
    MONGODB_URI: deps.mongoUri,
    MONGODB_DB: uniqueName('db'),
    REDIS_URL: deps.redisUrl,
    REDIS_KEY_PREFIX: uniqueName('r'),
    JWT_SECRET: TEST_JWT_SECRET,
    PORT: '0',
    WORKER_PORT: '0',
    ...overrides,
  };
}

/** `loadConfig(testEnv(overrides))`. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig(testEnv(overrides));
}

/** Prefix of the name of tests/suites that only run against a real MongoDB. */
export const NEEDS_REAL_MONGO = '[needs real MongoDB: jongodb has no transaction isolation]';

/**
 * `describe` for suites whose truth depends on transaction isolation under concurrency. On the jongodb
 * stand-in the suite is registered as skipped (with the reason in its name), so the run reports it.
 */
export function describeRealMongo(name: string, fn: () => void | Promise<void>): void {
  describe.skipIf(provided('mongoIsStandIn'))(`${NEEDS_REAL_MONGO} ${name}`, fn);
}

/** `it` for tests that need a real MongoDB (see `describeRealMongo`). */
export function itRealMongo(name: string, fn: TestFunction, timeout?: number): void {
  it.skipIf(provided('mongoIsStandIn'))(`${NEEDS_REAL_MONGO} ${name}`, fn, timeout);
}

/**
 * Polls `fn` every `intervalMs` until it neither throws nor returns `false`, then returns its value.
 * On timeout rethrows the last error (so assertion diffs are kept), or reports that it stayed false.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      const value = await fn();
      if (value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
  if (lastError !== undefined) throw lastError;
  throw new Error(`waitFor: condition still false after ${timeoutMs} ms (${attempts} attempts)`);
}
