/**
 * The boundary rules of eslint.boundaries.js fail on a deliberate violation of each rule, and stay quiet
 * on the imports the architecture allows. Each fixture is source text linted, through ESLint's Node API
 * with the repository's own config, as if it were a file at `path` (the rules depend on where a file is).
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { BOUNDARY_MESSAGES } from '../../eslint.boundaries.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

interface Fixture {
  path: string;
  code: string;
}

/** The `rule: message` of every boundary problem ESLint reports for the fixture. */
async function boundaryProblems({ path, code }: Fixture): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\n`, { filePath: `${root}/${path}` });
  if (!result) throw new Error(`ESLint returned no result for ${path}`);
  const fatal = result.messages.filter((message) => message.fatal);
  if (fatal.length > 0) throw new Error(`${path}: ${fatal.map((m) => m.message).join('; ')}`);
  return result.messages
    .filter((message) =>
      ['import-x/no-restricted-paths', 'import-x/no-relative-packages', 'no-restricted-imports'].includes(
        message.ruleId ?? '',
      ),
    )
    .map((message) => `${message.ruleId}: ${message.message}`);
}

const violations: { rule: string; fixture: Fixture; expected: string }[] = [
  {
    rule: 'apps never import apps (relative path)',
    fixture: { path: 'apps/worker/src/fixture.ts', code: "export { buildApp } from '../../api/src/app';" },
    expected: `import-x/no-restricted-paths: Unexpected path "../../api/src/app" imported in restricted zone. ${BOUNDARY_MESSAGES.appToApp}`,
  },
  {
    rule: 'apps never import apps (the other direction)',
    fixture: {
      path: 'apps/api/src/services/fixture.ts',
      code: "export { buildWorker } from '../../../worker/src/worker';",
    },
    expected: `import-x/no-restricted-paths: Unexpected path "../../../worker/src/worker" imported in restricted zone. ${BOUNDARY_MESSAGES.appToApp}`,
  },
  {
    rule: 'apps never import apps (by name)',
    fixture: { path: 'apps/api/src/fixture.ts', code: "export * from '@simple-shop/worker';" },
    expected: `no-restricted-imports: '@simple-shop/worker' import is restricted from being used by a pattern. ${BOUNDARY_MESSAGES.appToApp}`,
  },
  {
    rule: 'packages never import apps',
    fixture: { path: 'packages/orders/src/fixture.ts', code: "export { buildApp } from '../../../apps/api/src/app';" },
    expected: `import-x/no-restricted-paths: Unexpected path "../../../apps/api/src/app" imported in restricted zone. ${BOUNDARY_MESSAGES.packageToApp}`,
  },
  ...['scripts', 'bench', 'soak'].map((folder) => ({
    rule: `${folder} use packages, not app internals`,
    fixture: { path: `${folder}/fixture.ts`, code: "export { buildApp } from '../apps/api/src/app';" },
    expected: `import-x/no-restricted-paths: Unexpected path "../apps/api/src/app" imported in restricted zone. ${BOUNDARY_MESSAGES.toolToApp}`,
  })),
  {
    rule: 'outside a package, import it by name (from the root)',
    fixture: { path: 'bench/fixture.ts', code: "export { ObjectId } from '../packages/db/src/index';" },
    expected:
      'import-x/no-relative-packages: Relative import from another package is not allowed. Use `@simple-shop/db` instead of `../packages/db/src/index`',
  },
  {
    rule: 'outside a package, import it by name (from another package)',
    fixture: { path: 'packages/orders/src/fixture.ts', code: "export { ObjectId } from '../../db/src/index';" },
    expected:
      'import-x/no-relative-packages: Relative import from another package is not allowed. Use `@simple-shop/db` instead of `../../db/src/index`',
  },
  {
    rule: 'production code never imports test support (a *.test-support.ts file)',
    fixture: { path: 'apps/api/src/fixture.ts', code: "export { buildTestApp } from './app.test-support';" },
    expected: `no-restricted-imports: './app.test-support' import is restricted from being used by a pattern. ${BOUNDARY_MESSAGES.testSupport}`,
  },
  {
    rule: 'production code never imports test support (a test-only package)',
    fixture: { path: 'packages/payments/src/fixture.ts', code: "export { testConfig } from '@simple-shop/testing';" },
    expected: `no-restricted-imports: '@simple-shop/testing' import is restricted from being used by a pattern. ${BOUNDARY_MESSAGES.testSupport}`,
  },
];

describe('lint boundary rules', () => {
  it.each(violations)('fail on a violation: $rule', async ({ fixture, expected }) => {
    // A relative import of an app is also reported by no-relative-packages; the boundary's own message must be there.
    expect(await boundaryProblems(fixture)).toContain(expected);
  });

  // Without these, a rule that flagged everything would pass the cases above.
  it.each<Fixture>([
    {
      path: 'apps/api/src/fixture.ts',
      code: "export { ObjectId } from '@simple-shop/db';\nexport { buildApp } from './app';",
    },
    { path: 'apps/worker/src/fixture.ts', code: "export { createQueue } from '@simple-shop/queue';" },
    {
      path: 'packages/orders/src/fixture.ts',
      code: "export { ObjectId } from '@simple-shop/db';\nexport * from './index';",
    },
    { path: 'bench/fixture.ts', code: "export { ObjectId } from '@simple-shop/db';\nexport * from './data';" },
    {
      path: 'apps/api/src/fixture.test.ts',
      code: "export { buildTestApp } from './app.test-support';\nexport { it } from 'vitest';",
    },
  ])('allow what the architecture allows: $path', async (fixture) => {
    expect(await boundaryProblems(fixture)).toEqual([]);
  });
});
