/**
 * `pnpm mutate [module ...] [--full] [--since <git ref>]`: mutation testing (StrykerJS) of the code
 * that handles money and stock, one module after the other (mutation/stryker.<module>.conf.mjs),
 * then a summary table.
 *
 * Incremental by default: each module keeps its last results in
 * reports/mutation/<module>.incremental.json (committed), and a run only tests the mutants whose code
 * or covering tests changed since. `--full` re-tests every mutant and rewrites that file.
 * `--since main` runs only the modules whose sources, tests or mutation configs differ from `main`.
 * Arguments after `--` go to Stryker as they are (e.g. `-- --mutate packages/orders/src/inventory/reservations.ts`).
 * Exit code 1 when a module is below its break threshold (or its run failed).
 * See docs/testing.md#mutation-testing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** In the order they are worth running: the pure domain first, then the paths that move money and stock. */
export const MODULES = [
  'domain',
  'orders',
  'payments',
  'order-outcomes',
  'fulfilment',
  'reconcile',
  'idempotency',
  'refresh-tokens',
] as const;

/** Paths (prefixes) whose change can change a module's score: its sources and its listed tests. */
export const MODULE_PATHS: Record<(typeof MODULES)[number], readonly string[]> = {
  domain: ['packages/domain/'],
  orders: ['packages/orders/', 'packages/order-outcomes/src/fulfil.test.ts'],
  payments: ['packages/payments/'],
  'order-outcomes': ['packages/order-outcomes/'],
  fulfilment: [
    'apps/worker/src/fulfilment/',
    'apps/worker/src/jobs/stripe-event-fields.test.ts',
    'apps/worker/src/jobs/money-paths.test.ts',
    // handle-event.test.ts runs on the reconciliation tests' in-process harness.
    'apps/worker/src/reconcile/reconcile.test-support.ts',
  ],
  reconcile: ['apps/worker/src/reconcile/'],
  idempotency: ['apps/api/src/services/idempotency'],
  'refresh-tokens': ['apps/api/src/services/auth/refresh-', 'apps/api/src/routes/api/auth/refresh.test.ts'],
};

/** The modules a set of changed files touches (a change to the shared mutation setup touches all). */
export function modulesTouchedBy(changed: readonly string[]): string[] {
  const shared = changed.some((f) => f === 'mutation/stryker.base.mjs' || f === 'mutation/vitest.shared.ts');
  return MODULES.filter(
    (module) =>
      shared ||
      changed.some(
        (file) =>
          MODULE_PATHS[module].some((prefix) => file.startsWith(prefix)) ||
          file === `mutation/stryker.${module}.conf.mjs` ||
          file === `mutation/vitest.${module}.config.ts`,
      ),
  );
}

export interface ModuleScore {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  ignored: number;
  errors: number;
  /** killed + timeout over every valid mutant (killed, timeout, survived, no coverage), in %. */
  score: number;
}

interface ReportMutant {
  status: string;
}

/** Counts the mutants of a Stryker JSON report (mutation-testing-report-schema). */
export function scoreOf(report: { files: Record<string, { mutants: ReportMutant[] }> }): ModuleScore {
  const count = (status: string) =>
    Object.values(report.files).reduce((n, file) => n + file.mutants.filter((m) => m.status === status).length, 0);
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = killed + timeout + survived + noCoverage;
  return {
    killed,
    timeout,
    survived,
    noCoverage,
    ignored: count('Ignored'),
    errors: count('RuntimeError') + count('CompileError'),
    score: valid === 0 ? 100 : Math.round(((killed + timeout) / valid) * 10_000) / 100,
  };
}

function runStryker(root: string, module: string, full: boolean, extra: readonly string[]): Promise<number> {
  const args = ['run', `mutation/stryker.${module}.conf.mjs`, ...(full ? ['--force'] : []), ...extra];
  const bin = path.join(root, 'node_modules', '.bin', 'stryker');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const pad = (value: string | number, width: number) => String(value).padStart(width);

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const all = process.argv.slice(2);
  const dashes = all.indexOf('--');
  const argv = dashes >= 0 ? all.slice(0, dashes) : all;
  const extra = dashes >= 0 ? all.slice(dashes + 1) : [];
  const full = argv.includes('--full');
  const sinceAt = argv.indexOf('--since');
  const since = sinceAt >= 0 ? argv[sinceAt + 1] : undefined;
  if (sinceAt >= 0 && !since) {
    console.error('--since needs a git ref, e.g. --since main');
    process.exit(2);
  }
  const names = argv.filter((a, i) => !a.startsWith('--') && !(sinceAt >= 0 && i === sinceAt + 1));
  const unknown = names.filter((n) => !(MODULES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    console.error(`unknown module(s): ${unknown.join(', ')}; known: ${MODULES.join(', ')}`);
    process.exit(2);
  }
  let selected = names.length > 0 ? names : [...MODULES];
  if (since) {
    const changed = execFileSync('git', ['diff', '--name-only', `${since}...HEAD`], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    const touched = modulesTouchedBy(changed);
    selected = selected.filter((m) => touched.includes(m));
    console.log(`changed since ${since}: ${selected.length > 0 ? selected.join(', ') : 'no module'}`);
  }

  const rows: { module: string; exit: number; seconds: number; score?: ModuleScore }[] = [];
  for (const module of selected) {
    console.log(`\n=== mutation testing: ${module}${full ? ' (full)' : ''} ===`);
    const started = Date.now();
    const exit = await runStryker(root, module, full, extra);
    const seconds = Math.round((Date.now() - started) / 1000);
    const reportFile = path.join(root, 'reports', 'mutation', `${module}.json`);
    const score = existsSync(reportFile) ? scoreOf(JSON.parse(readFileSync(reportFile, 'utf8'))) : undefined;
    rows.push({ module, exit, seconds, score });
  }

  console.log('\nMutation score (killed + timeout) / (killed + timeout + survived + no coverage)');
  console.log(
    `${'module'.padEnd(16)}${pad('score %', 9)}${pad('killed', 8)}${pad('timeout', 9)}${pad('survived', 10)}` +
      `${pad('no cov', 8)}${pad('time s', 8)}  result`,
  );
  for (const { module, exit, seconds, score } of rows) {
    const s = score;
    console.log(
      `${module.padEnd(16)}${pad(s ? s.score.toFixed(2) : '-', 9)}${pad(s?.killed ?? '-', 8)}${pad(s?.timeout ?? '-', 9)}` +
        `${pad(s?.survived ?? '-', 10)}${pad(s?.noCoverage ?? '-', 8)}${pad(seconds, 8)}  ${exit === 0 ? 'ok' : 'FAILED'}`,
    );
  }
  const total = rows.reduce((n, r) => n + r.seconds, 0);
  console.log(`total ${total} s; reports in reports/mutation/<module>.html`);
  process.exitCode = rows.some((r) => r.exit !== 0) ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
