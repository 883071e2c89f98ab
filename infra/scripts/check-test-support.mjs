// Checks that test support stays out of production code:   node infra/scripts/check-test-support.mjs
//   1. sources: a file under apps/*/src or packages/*/src that uses a test library (vitest, the testing,
//      dev-services or stripe-simulator packages) or is named like a helper (test, fixture, fuzz, mock) must
//      be a test file: `*.test.ts`, `*.test-support.ts`, or anything in a `test/` folder;
//   2. bundles: each app is built with its own tsup config (into a temporary directory, with esbuild's
//      metafile), and no input of the bundle may be a test file or come from a test-only package.
// Test files are excluded from the build by construction (tsup bundles what the entry point imports); this
// proves nothing production imports pulled one in. Run by infra/validate.sh; ~6 s (two tsup builds).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { repoRoot, reporter } from './lib/common.mjs';

const r = reporter('test support');

/** Test files by name: the test suffixes or a `test/` folder. */
const isTestFile = (path) => /\.test(-support)?\.[cm]?[jt]s$/.test(path) || /(^|\/)test\//.test(path);
/** Packages that exist for tests and local development only (devDependencies of the apps). */
const TEST_ONLY_PACKAGES = ['testing', 'dev-services', 'stripe-simulator'];
const TEST_LIBRARY_IMPORT = new RegExp(
  String.raw`from '(vitest(/.*)?|@simple-shop/(${TEST_ONLY_PACKAGES.join('|')}))'`,
);
const HELPER_NAME = /(^|[-_.])(tests?|fixtures?|fuzz|mocks?|spec)([-_.]|$)/i;

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.[cm]?[jt]s$/.test(entry.name)) yield relative(repoRoot, path);
  }
}

// --- 1. sources -------------------------------------------------------------------------------------------
const roots = [
  ...readdirSync(join(repoRoot, 'apps')).map((app) => `apps/${app}/src`),
  ...readdirSync(join(repoRoot, 'packages'))
    .filter((name) => !TEST_ONLY_PACKAGES.includes(name))
    .map((name) => `packages/${name}/src`),
];
let productionFiles = 0;
for (const root of roots) {
  for (const file of sourceFiles(join(repoRoot, root))) {
    if (isTestFile(file)) continue;
    productionFiles += 1;
    const name = file
      .split('/')
      .pop()
      .replace(/\.[cm]?[jt]s$/, '');
    r.check(!HELPER_NAME.test(name), `${file}: named like test support; call it *.test-support.ts or move it to test/`);
    r.check(
      !TEST_LIBRARY_IMPORT.test(readFileSync(join(repoRoot, file), 'utf8')),
      `${file}: imports a test library but is not a test file (*.test.ts, *.test-support.ts, test/)`,
    );
  }
}
// A walk that found nothing would pass vacuously.
r.check(productionFiles > 50, `only ${productionFiles} production source files found under ${roots.join(', ')}`);

// --- 2. bundles -------------------------------------------------------------------------------------------
function tsupBuild(appDir, outDir) {
  return new Promise((done) => {
    const child = spawn(join(repoRoot, 'node_modules/.bin/tsup'), ['--out-dir', outDir, '--metafile'], {
      cwd: appDir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stderr }));
  });
}

const work = mkdtempSync(join(tmpdir(), 'check-test-support-'));
try {
  // The server apps are bundled by tsup; the storefront is a static Vite build that bundles no Node code.
  const apps = readdirSync(join(repoRoot, 'apps')).filter((app) => existsSync(join(repoRoot, 'apps', app, 'tsup.config.ts')));
  const builds = await Promise.all(
    apps.map(async (app) => {
      const outDir = join(work, app);
      return { app, outDir, ...(await tsupBuild(join(repoRoot, 'apps', app), outDir)) };
    }),
  );
  for (const { app, outDir, code, stderr } of builds) {
    if (!r.check(code === 0, `tsup build of apps/${app} failed (exit ${code}): ${stderr.trim().slice(-500)}`)) continue;
    const metafile = readdirSync(outDir).find((name) => /^metafile-.*\.json$/.test(name));
    if (!r.check(metafile, `apps/${app}: tsup wrote no metafile`)) continue;
    // Input paths are relative to the app directory; make them relative to the repository.
    const inputs = Object.keys(JSON.parse(readFileSync(join(outDir, metafile), 'utf8')).inputs).map((input) =>
      relative(repoRoot, resolve(repoRoot, 'apps', app, input)),
    );
    const own = inputs.filter((input) => input.startsWith(`apps/${app}/src/`));
    r.check(own.length > 10, `apps/${app}: the bundle has only ${own.length} inputs from its own src/`);
    for (const input of inputs) {
      const testOnlyPackage = TEST_ONLY_PACKAGES.some((name) =>
        new RegExp(String.raw`(^packages/${name}/|node_modules/(\.pnpm/.*/)?@simple-shop/${name}/)`).test(input),
      );
      r.check(!isTestFile(input), `apps/${app} bundle contains the test file ${input}`);
      r.check(!testOnlyPackage, `apps/${app} bundle contains ${input} from a test-only package`);
      r.check(
        !/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?vitest\//.test(input),
        `apps/${app} bundle contains vitest (${input})`,
      );
    }
    console.log(`    apps/${app}: ${inputs.length} bundle inputs (${own.length} from apps/${app}/src)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
r.done();
