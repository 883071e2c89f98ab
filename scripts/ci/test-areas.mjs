// Which area of the project each test belongs to, for the per-area counts CI prints after the
// "Tests:" line (scripts/ci/test-summary.mjs). The one place that defines the mapping; proven by
// scripts/ci/test-areas.test.ts. The first rule that matches a test's file (and, when the rule has
// one, its full name) wins.
//   shop        - the product: apps/api, apps/worker, apps/storefront and the packages it ships
//   tooling     - what builds and checks it: Stripe simulator, test harness, dev services, scripts/,
//                 soak/, bench/ and infra checks (dashboards and alerts against the real metrics)
//   docs checks - tests that hold the documentation to the code (runbooks, .env.example, README)

/** @typedef {'shop' | 'tooling' | 'docs checks'} Area */

/** @type {readonly Area[]} */
export const AREAS = ['shop', 'tooling', 'docs checks'];

/** @type {readonly { area: Area; path: RegExp; name?: RegExp; why: string }[]} */
export const AREA_RULES = [
  { area: 'docs checks', path: /^apps\/worker\/src\/runbooks\.test\.ts$/, why: 'every alert has its runbook section' },
  {
    area: 'docs checks',
    path: /^packages\/config\/src\/load-config\.test\.ts$/,
    name: /^\.env\.example\b/,
    why: '.env.example documents every variable',
  },
  { area: 'docs checks', path: /(^|\/)(docs|readme|runbooks?)[^/]*\.test\.ts$/i, why: 'named after what it checks' },
  {
    area: 'tooling',
    path: /^packages\/(stripe-simulator|testing|dev-services)\//,
    why: 'test and dev tooling packages',
  },
  { area: 'tooling', path: /^(scripts|soak|bench|infra)\//, why: 'repository tooling, soak, bench, infra' },
  {
    area: 'tooling',
    path: /^apps\/worker\/src\/metrics-coverage\.test\.ts$/,
    why: 'infra check: dashboards and alerts',
  },
  { area: 'shop', path: /^apps\/(api|worker|storefront)\//, why: 'the deployables' },
  { area: 'shop', path: /^packages\//, why: 'the libraries they ship' },
];

/**
 * The area of a test, from its file (relative to the repository, `/`-separated) and full name.
 * @param {string} file
 * @param {string} [fullName]
 * @returns {Area | null} null when no rule matches (a new top-level folder needs a rule)
 */
export function areaOf(file, fullName = '') {
  const path = file.replaceAll('\\', '/').replace(/^\.\//, '');
  const rule = AREA_RULES.find((r) => r.path.test(path) && (!r.name || r.name.test(fullName)));
  return rule ? rule.area : null;
}

/**
 * Passed / failed / skipped per area from vitest's JSON report (`testResults[].assertionResults[]`).
 * @param {{ testResults: { name: string; assertionResults: { status: string; fullName: string }[] }[] }} results
 * @param {string} root absolute path of the repository (test file names in the report are absolute)
 */
export function countByArea(results, root) {
  /** @type {Record<string, { passed: number; failed: number; skipped: number }>} */
  const counts = {};
  for (const area of [...AREAS, 'unmapped']) counts[area] = { passed: 0, failed: 0, skipped: 0 };
  const prefix = root.replaceAll('\\', '/').replace(/\/?$/, '/');
  for (const suite of results.testResults) {
    const name = suite.name.replaceAll('\\', '/');
    const file = name.startsWith(prefix) ? name.slice(prefix.length) : name;
    for (const test of suite.assertionResults) {
      const bucket = counts[areaOf(file, test.fullName) ?? 'unmapped'];
      if (test.status === 'passed') bucket.passed += 1;
      else if (test.status === 'failed') bucket.failed += 1;
      else bucket.skipped += 1; // pending, skipped, todo
    }
  }
  return counts;
}

/**
 * The lines printed after "Tests: …": one per area, and one for unmapped tests when there are any.
 * @param {ReturnType<typeof countByArea>} counts
 * @returns {string[]}
 */
export function areaLines(counts) {
  return Object.entries(counts)
    .filter(([area, c]) => area !== 'unmapped' || c.passed + c.failed + c.skipped > 0)
    .map(([area, c]) => `  ${`${area}:`.padEnd(13)}${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
}
