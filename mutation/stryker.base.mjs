// @ts-check
// Settings every module's mutation run shares. A module config (stryker.<module>.conf.mjs) says what
// to mutate; mutation/vitest.<module>.config.ts lists the test files that may kill those mutants.
// Run them with `pnpm mutate [module]` (scripts/mutate.ts).

/**
 * @param {object} module
 * @param {string} module.name short name, used for the report and incremental file names
 * @param {string[]} module.mutate globs of production files (tests and test support are excluded here)
 * @param {{ high: number, low: number, break: number | null }} module.thresholds
 * @param {boolean} [module.ignoreStatic] skip mutants that only run while a module loads (see docs/testing.md)
 * @param {number} [module.concurrency] test runner processes (each with its own vitest and MongoDB stand-in)
 */
export function moduleConfig({ name, mutate, thresholds, ignoreStatic = false, concurrency = 2 }) {
  return {
    testRunner: 'vitest',
    // pnpm does not hoist the runner next to @stryker-mutator/core, so name it (resolved from the root).
    plugins: ['@stryker-mutator/vitest-runner'],
    vitest: { configFile: `mutation/vitest.${name}.config.ts`, related: false },
    mutate: [...mutate, '!**/*.test.ts', '!**/*.test-support.ts'],
    // Files Stryker need not copy or back up (nothing under them is mutated or tested here).
    ignorePatterns: ['apps/storefront', 'bench', 'soak', 'infra', 'docs', 'reports', '.vitest', 'scripts'],
    // perTest: each mutant runs only the tests that executed its code during the dry run.
    coverageAnalysis: 'perTest',
    // The machines have 2 cores shared with other work: at most two runners. The DB-backed modules
    // spend much of a run waiting on MongoDB and Redis, so two help them; the pure domain uses one.
    concurrency,
    // Source files in the monorepo resolve each other through pnpm's workspace links (real paths):
    // a copied sandbox would test the original files, so mutants are written in place and restored.
    inPlace: true,
    // Nothing type-checks while mutants run (vitest strips types), so leave every other file untouched.
    disableTypeChecks: false,
    // A static mutant (a module-level constant such as a transition table) is only seen by code loaded
    // after it is activated, so each one reruns every test file of the module.
    ignoreStatic,
    timeoutMS: 30_000,
    timeoutFactor: 2,
    dryRunTimeoutMinutes: 20,
    incremental: true,
    incrementalFile: `reports/mutation/${name}.incremental.json`,
    reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
    thresholds,
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
  };
}
