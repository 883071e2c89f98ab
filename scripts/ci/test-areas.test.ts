/**
 * The per-area test counts of the CI summary: every test file of the repository falls in an area,
 * the rules put the examples below where they belong, and test-summary.mjs prints the "Tests:" line
 * followed by one line per area whose counts add up to it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { areaOf, areaLines, countByArea } from './test-areas.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('areaOf', () => {
  it.each([
    ['apps/api/src/routes/api/orders/orders.test.ts', '', 'shop'],
    ['apps/worker/src/fulfilment/pipeline.test.ts', '', 'shop'],
    ['apps/storefront/test/storefront.browser.test.ts', '', 'shop'],
    ['packages/orders/src/inventory/inventory.test.ts', '', 'shop'],
    ['packages/config/src/load-config.test.ts', 'loadConfig refuses a short JWT_SECRET', 'shop'],
    ['packages/config/src/load-config.test.ts', '.env.example lists every variable', 'docs checks'],
    ['apps/worker/src/runbooks.test.ts', '', 'docs checks'],
    ['packages/stripe-simulator/src/webhooks.test.ts', '', 'tooling'],
    ['packages/testing/src/harness.test.ts', '', 'tooling'],
    ['packages/dev-services/src/resolve.test.ts', '', 'tooling'],
    ['scripts/lint/boundaries.test.ts', '', 'tooling'],
    ['scripts/ci/test-areas.test.ts', '', 'tooling'],
    ['soak/soak.test.ts', '', 'tooling'],
    ['bench/report.test.ts', '', 'tooling'],
    ['apps/worker/src/metrics-coverage.test.ts', '', 'tooling'],
  ])('%s (%s) → %s', (file, name, area) => {
    expect(areaOf(file, name)).toBe(area);
  });

  it('has an area for every test file of the repository', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.test.ts'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((file) => areaOf(file) === null)).toEqual([]);
  });
});

/** A vitest JSON report with the given tests (file relative to the root, name, status). */
function report(tests: [string, string, string][]) {
  const byFile = new Map<string, { status: string; fullName: string }[]>();
  for (const [file, fullName, status] of tests) {
    byFile.set(file, [...(byFile.get(file) ?? []), { status, fullName }]);
  }
  const count = (s: string[]) => tests.filter(([, , status]) => s.includes(status)).length;
  return {
    numPassedTests: count(['passed']),
    numFailedTests: count(['failed']),
    numPendingTests: count(['pending', 'skipped']),
    numTodoTests: count(['todo']),
    testResults: [...byFile].map(([file, assertionResults]) => ({ name: join(root, file), assertionResults })),
  };
}

const sample = report([
  ['apps/api/src/app.test.ts', 'a', 'passed'],
  ['apps/api/src/app.test.ts', 'b', 'failed'],
  ['packages/orders/src/create-order.test.ts', 'c', 'pending'],
  ['packages/testing/src/harness.test.ts', 'd', 'passed'],
  ['scripts/lint/boundaries.test.ts', 'e', 'todo'],
  ['apps/worker/src/runbooks.test.ts', 'f', 'passed'],
  ['packages/config/src/load-config.test.ts', '.env.example g', 'passed'],
]);

describe('countByArea', () => {
  it('counts passed, failed and skipped (pending, skipped, todo) per area', () => {
    expect(countByArea(sample, root)).toEqual({
      shop: { passed: 1, failed: 1, skipped: 1 },
      tooling: { passed: 1, failed: 0, skipped: 1 },
      'docs checks': { passed: 2, failed: 0, skipped: 0 },
      unmapped: { passed: 0, failed: 0, skipped: 0 },
    });
  });

  it('reports a test outside every rule as unmapped, on its own line', () => {
    const counts = countByArea(report([['elsewhere/x.test.ts', 'x', 'passed']]), root);
    expect(areaLines(counts)).toContain('  unmapped:    1 passed, 0 failed, 0 skipped');
  });
});

describe('test-summary.mjs', () => {
  it('keeps the Tests line and follows it with the areas, which add up to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'test-summary-'));
    try {
      const file = join(dir, 'results.json');
      writeFileSync(file, JSON.stringify(sample));
      const out = execFileSync(process.execPath, [join(root, 'scripts/ci/test-summary.mjs'), file], {
        encoding: 'utf8',
      });
      const lines = out.trimEnd().split('\n');
      expect(lines.slice(-4)).toEqual([
        'Tests: 4 passed, 1 failed, 2 skipped',
        '  shop:        1 passed, 1 failed, 1 skipped',
        '  tooling:     1 passed, 0 failed, 1 skipped',
        '  docs checks: 2 passed, 0 failed, 0 skipped',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
