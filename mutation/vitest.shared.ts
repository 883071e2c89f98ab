// The vitest configuration StrykerJS runs a module's tests with (see docs/testing.md#mutation-testing).
// One project with the suite's global setup (MongoDB and Redis resolved once per run), limited to the
// test files that can kill the module's mutants. The file list lives here rather than in Stryker's
// `testFiles` option: with `testFiles`, Stryker 9.6 activates static mutants (module-level tables such
// as the order state machine's) only after the module has loaded, so they could never be killed.
// Stryker's vitest runner runs the tests in one worker thread of its own, whatever `pool` says here.
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export function mutationVitestConfig(include: string[]): ViteUserConfig {
  return defineConfig({
    test: {
      name: 'mutation',
      root: fileURLToPath(new URL('..', import.meta.url)),
      include,
      globalSetup: ['./packages/testing/src/global-setup.ts'],
      testTimeout: 120_000,
      hookTimeout: 60_000,
    },
  });
}
