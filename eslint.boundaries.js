// @ts-check
// The architecture's import rules, enforced by lint (fixture test: scripts/lint/boundaries.test.ts):
//   1. apps never import other apps;
//   2. packages never import apps;
//   3. scripts, bench and soak use packages, never app internals;
//   4. code outside a package imports it by name (`@simple-shop/x`), never by a path into it;
//   5. production sources never import test support (`*.test-support.ts`, `test/`, test-only packages).
// Rules 1-3 compare resolved file paths (eslint-plugin-import-x `no-restricted-paths`), so every spelling of
// an import is caught; rule 4 is `no-relative-packages` (the target's nearest package.json differs from the
// importer's); rule 5 matches the import text, since test support can live anywhere.
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';

const root = dirname(fileURLToPath(import.meta.url));
const apps = readdirSync(`${root}/apps`);

export const BOUNDARY_MESSAGES = {
  appToApp: 'Apps never import other apps: move the shared code into a package under packages/.',
  packageToApp: 'Packages never import apps: move the code the package needs into a package.',
  toolToApp: 'Scripts, bench and soak use packages, not app internals: move the code into a package.',
  testSupport: 'Production code never imports test support (*.test-support.ts, test/, test-only packages).',
};

const TEST_FILES = ['**/*.test.ts', '**/*.test-support.ts', '**/test/**'];
/** Packages that exist for tests and local development only. */
const TEST_ONLY_PACKAGES = ['testing', 'dev-services', 'stripe-simulator'];

/** @type {import('typescript-eslint').ConfigArray} */
export default [
  {
    files: ['**/*.{ts,js,mjs}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${root}/tsconfig.json` })],
    },
    rules: {
      'import-x/no-relative-packages': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: root,
          zones: [
            ...apps.map((app) => ({
              target: `./apps/${app}`,
              from: './apps',
              except: [`./${app}`],
              message: BOUNDARY_MESSAGES.appToApp,
            })),
            { target: './packages', from: './apps', message: BOUNDARY_MESSAGES.packageToApp },
            { target: ['./scripts', './bench', './soak'], from: './apps', message: BOUNDARY_MESSAGES.toolToApp },
          ],
        },
      ],
      // Apps are not dependencies of anything, so an import by name would not even resolve; say why.
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: apps.map((app) => `@simple-shop/${app}`), message: BOUNDARY_MESSAGES.appToApp }] },
      ],
    },
  },
  {
    files: ['apps/*/src/**', 'packages/*/src/**'],
    ignores: [...TEST_FILES, ...TEST_ONLY_PACKAGES.map((name) => `packages/${name}/**`)],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: apps.map((app) => `@simple-shop/${app}`), message: BOUNDARY_MESSAGES.appToApp },
            {
              regex: String.raw`(\.test(-support)?(\.[cm]?[jt]s)?$|(^|/)test/)`,
              message: BOUNDARY_MESSAGES.testSupport,
            },
            {
              group: ['vitest', 'vitest/*', ...TEST_ONLY_PACKAGES.map((name) => `@simple-shop/${name}`)],
              message: BOUNDARY_MESSAGES.testSupport,
            },
          ],
        },
      ],
    },
  },
];
