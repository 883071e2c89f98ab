/**
 * The system under test, as real processes: the Stripe simulator, the API and the worker (the
 * built bundles from `pnpm build`, or tsx on the TypeScript sources when the build fails), each
 * with its own port on 127.0.0.1, plus the bare Fastify hello-world used as the framework's limit.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '@simple-shop/dev-services';
import { spawnNode, waitForHttp, type BenchProcess } from './processes';

export const STRIPE_KEY = 'sk_test_simulator';
// Random per run: the API runs with NODE_ENV=production, which refuses secrets published in the repository.
export const JWT_SECRET = randomBytes(36).toString('base64url');
export const PROFILE_DIR = join('.bench', 'profiles');

export type RunMode = 'built' | 'tsx';

export interface Entry {
  mode: RunMode;
  api: string[];
  worker: string[];
}

/** Runs `pnpm build` once; falls back to tsx (and says why) when it fails. */
export function buildOrFallback(skipBuild: boolean): { entry: Entry; note: string } {
  const built: Entry = { mode: 'built', api: ['apps/api/dist/server.js'], worker: ['apps/worker/dist/main.js'] };
  const tsx: Entry = {
    mode: 'tsx',
    api: ['--import', 'tsx', 'apps/api/src/server.ts'],
    worker: ['--import', 'tsx', 'apps/worker/src/main.ts'],
  };
  if (skipBuild) {
    if (existsSync(built.api[0]!) && existsSync(built.worker[0]!)) {
      return { entry: built, note: 'built bundles (BENCH_SKIP_BUILD=1: existing dist/ reused)' };
    }
    return { entry: tsx, note: 'tsx on the sources (BENCH_SKIP_BUILD=1 and no dist/ found)' };
  }
  const result = spawnSync('pnpm', ['build'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status === 0 && existsSync(built.api[0]!) && existsSync(built.worker[0]!)) {
    return { entry: built, note: '`pnpm build` bundles: node apps/api/dist/server.js, node apps/worker/dist/main.js' };
  }
  const why = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim().split('\n').slice(-5).join(' | ');
  console.warn(`[bench] pnpm build failed; running the sources with tsx instead: ${why}`);
  return { entry: tsx, note: `tsx on the sources (pnpm build failed: ${why.slice(0, 200)})` };
}

export interface SharedEnv {
  MONGODB_URI: string;
  MONGODB_DB: string;
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  STRIPE_WEBHOOK_SECRET: string;
  LOG_LEVEL: string;
}

/** Limits set so high that no scenario is ever rate limited (the limiter still runs: its Redis call counts). */
export const RATE_LIMIT_ENV = {
  RATE_LIMIT_MAX: '1000000000',
  RATE_LIMIT_WINDOW_MS: '60000',
  CATALOG_RATE_LIMIT_MAX: '1000000000',
  AUTH_RATE_LIMIT_MAX: '1000000000',
  AUTH_RATE_LIMIT_WINDOW_MS: '60000',
  AUTH_ACCOUNT_SLOWDOWN_AFTER: '1000000000',
  ORDER_MAX_OPEN_PER_USER: '1000',
  ORDER_MAX_UNITS_PER_PRODUCT: '1000000',
};

function appEnv(shared: SharedEnv, simUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    JWT_SECRET,
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_API_BASE: simUrl,
    // Production config refuses the simulator unless told this deployment takes no real payments.
    ALLOW_STRIPE_SIMULATOR: 'true',
    // No SMTP_URL: the worker's log transport builds each email and logs one line instead of sending.
    SMTP_URL: '',
    RECONCILE_INTERVAL_MS: '3600000',
    SHUTDOWN_GRACE_MS: '5000',
    ...RATE_LIMIT_ENV,
    ...shared,
  };
}

function profileArgs(name: string | undefined): string[] {
  if (!name) return [];
  mkdirSync(PROFILE_DIR, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=${name}.cpuprofile`];
}

export interface Service {
  proc: BenchProcess;
  url: string;
}

export async function startSimulator(webhookSecret: string): Promise<Service> {
  const port = await freePort();
  const proc = spawnNode('stripe-simulator', ['--import', 'tsx', 'packages/stripe-simulator/src/cli.ts'], {
    STRIPE_SIM_PORT: String(port),
    STRIPE_SIM_HOST: '127.0.0.1',
    STRIPE_SECRET_KEY: STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    // No webhook URL: events are recorded, and the bench delivers them itself, signed, at its own pace.
    STRIPE_SIM_WEBHOOK_URL: '',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/_sim/state`, proc);
  return { proc, url };
}

/** Starts the API or the worker on a free port (its HTTP port; the other one is 0) and waits for /health. */
async function startApp(
  kind: 'api' | 'worker',
  entry: Entry,
  shared: SharedEnv,
  simUrl: string,
  opts: { name?: string; profile?: string },
): Promise<Service> {
  const port = await freePort();
  const proc = spawnNode(opts.name ?? kind, [...profileArgs(opts.profile), ...entry[kind]], {
    ...appEnv(shared, simUrl),
    PORT: kind === 'api' ? String(port) : '0',
    WORKER_PORT: kind === 'worker' ? String(port) : '0',
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc);
  return { proc, url };
}

export function startApi(
  entry: Entry,
  shared: SharedEnv,
  simUrl: string,
  opts: { name?: string; profile?: string } = {},
) {
  return startApp('api', entry, shared, simUrl, opts);
}

export function startWorker(
  entry: Entry,
  shared: SharedEnv,
  simUrl: string,
  opts: { name?: string; profile?: string } = {},
) {
  return startApp('worker', entry, shared, simUrl, opts);
}

export async function startHelloWorld(): Promise<Service> {
  const port = await freePort();
  const proc = spawnNode('hello-world', ['--import', 'tsx', 'bench/hello-world.ts'], { PORT: String(port) });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(url, proc);
  return { proc, url };
}

/** The profile file `--cpu-prof-name` produced (Node may add nothing; this only checks it exists). */
export function profilePath(name: string): string | undefined {
  const file = resolve(PROFILE_DIR, `${name}.cpuprofile`);
  if (existsSync(file)) return file;
  const match = existsSync(PROFILE_DIR) ? readdirSync(PROFILE_DIR).find((f) => f.startsWith(name)) : undefined;
  return match ? resolve(PROFILE_DIR, match) : undefined;
}
