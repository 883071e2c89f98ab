// The test projects of the monorepo: one per deployable, one for the libraries, one for the soak.
// Tests live next to the code they test (`*.test.ts`). Every project shares one
// global setup that resolves MongoDB and Redis once per run and prints which it used.
import { defineProject } from 'vitest/config';

const shared = {
  globalSetup: ['./packages/testing/src/global-setup.ts'],
  // Generous: end-to-end tests run real processes, and the whole suite shares 2 cores with the soak.
  testTimeout: 120_000,
  hookTimeout: 60_000,
  // jongodb and Redis are shared per run; each test file isolates itself with
  // its own database name and Redis key prefix (see packages/testing).
  pool: 'forks' as const,
};

export default [
  defineProject({ test: { ...shared, name: 'packages', root: '.', include: ['packages/*/src/**/*.test.ts'] } }),
  defineProject({ test: { ...shared, name: 'api', root: '.', include: ['apps/api/src/**/*.test.ts'] } }),
  defineProject({ test: { ...shared, name: 'worker', root: '.', include: ['apps/worker/src/**/*.test.ts'] } }),
  // Tests of the repository's own tooling (lint rules); no MongoDB or Redis, so no global setup.
  defineProject({ test: { name: 'tooling', root: '.', include: ['scripts/**/*.test.ts'], testTimeout: 120_000 } }),
  // Real Chromium against real API and worker processes (skipped, with the reason, where Chromium is absent).
  defineProject({ test: { ...shared, name: 'storefront', root: '.', include: ['apps/storefront/test/**/*.test.ts'] } }),
  // The short soak: real processes under chaos, then the invariants (see soak/, docs/reliability.md).
  defineProject({ test: { ...shared, name: 'soak', root: '.', include: ['soak/**/*.test.ts'] } }),
];
