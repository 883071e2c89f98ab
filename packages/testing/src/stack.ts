import { connectDatabase, ObjectId, type Database } from '@simple-shop/db';
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { testEnv, type TestEnv } from './deps';
import { signTestAccessToken } from './jwt';
import { startSmtpCatcher, type SmtpCatcher } from './smtp-catcher';
import { spawnProcess, type SpawnedProcess } from './spawn-process';

export const STACK_STRIPE_KEY = 'sk_test_simulator';
export const STACK_WEBHOOK_SECRET = 'whsec_stack_test_secret';

export interface RunningApi {
  process: SpawnedProcess;
  url: string;
}

export interface Stack {
  env: TestEnv;
  sim: StripeSimulator;
  smtp: SmtpCatcher;
  database: Database;
  apis: RunningApi[];
  workers: SpawnedProcess[];
  /** The first API's base URL. */
  url: string;
  startApi(extra?: Record<string, string>): Promise<RunningApi>;
  startWorker(extra?: Record<string, string>): Promise<SpawnedProcess>;
  /** A user document plus a bearer header for it. */
  createUser(role?: 'customer' | 'admin'): Promise<{ id: string; email: string; headers: Record<string, string> }>;
  stop(): Promise<void>;
}

/**
 * The whole product as real processes for end-to-end tests: N API processes and M worker
 * processes on one per-test database and Redis prefix, the Stripe simulator delivering webhooks
 * to the first API, and an SMTP catcher receiving the worker's emails.
 */
export async function startStack(
  options: { apis?: number; workers?: number; env?: Record<string, string> } = {},
): Promise<Stack> {
  const smtp = await startSmtpCatcher();
  const sim = await startStripeSimulator({
    apiKeys: [STACK_STRIPE_KEY],
    webhookSecret: STACK_WEBHOOK_SECRET,
    retry: { baseDelayMs: 100, maxAttempts: 8, factor: 2 },
  });
  const env = testEnv({
    LOG_LEVEL: 'info',
    STRIPE_SECRET_KEY: STACK_STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: STACK_WEBHOOK_SECRET,
    STRIPE_API_BASE: sim.url,
    SMTP_URL: smtp.url,
    JOB_ATTEMPTS: '4',
    JOB_BACKOFF_MS: '200',
    JOB_LOCK_MS: '2000',
    RECONCILE_INTERVAL_MS: '3600000',
    ...options.env,
  });
  const database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'test-stack' });
  const apis: RunningApi[] = [];
  const workers: SpawnedProcess[] = [];

  const startApi = async (extra: Record<string, string> = {}): Promise<RunningApi> => {
    const proc = spawnProcess('apps/api/src/server.ts', { ...env, ...extra }, { name: `api-${apis.length + 1}` });
    const line = await proc.waitForLine(/Server listening at http:\/\/127\.0\.0\.1:\d+/, 30_000);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
    const api = { process: proc, url: `http://127.0.0.1:${port}` };
    apis.push(api);
    return api;
  };
  const startWorker = async (extra: Record<string, string> = {}): Promise<SpawnedProcess> => {
    const proc = spawnProcess(
      'apps/worker/src/main.ts',
      { ...env, ...extra },
      { name: `worker-${workers.length + 1}` },
    );
    await proc.waitForLine(/worker http listening/, 30_000);
    workers.push(proc);
    return proc;
  };

  try {
    for (let i = 0; i < (options.apis ?? 1); i += 1) await startApi();
    for (let i = 0; i < (options.workers ?? 1); i += 1) await startWorker();
  } catch (error) {
    await Promise.allSettled([...apis.map((a) => a.process.stop()), ...workers.map((w) => w.stop())]);
    await Promise.allSettled([sim.close(), smtp.stop(), database.close()]);
    throw error;
  }
  sim.setWebhookUrl(`${apis[0]!.url}/api/payments/webhook`);

  return {
    env,
    sim,
    smtp,
    database,
    apis,
    workers,
    url: apis[0]!.url,
    startApi,
    startWorker,
    async createUser(role = 'customer') {
      const id = new ObjectId();
      const email = `${role}-${id.toHexString()}@example.test`;
      const now = new Date();
      await database.collections.users.insertOne({
        _id: id,
        email,
        name: `Test ${role}`,
        role,
        passwordHash: '$argon2id$unused-in-this-test',
        createdAt: now,
        updatedAt: now,
      });
      const token = signTestAccessToken(env, { sub: id.toHexString(), role });
      return {
        id: id.toHexString(),
        email,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      };
    },
    async stop() {
      await Promise.allSettled([...apis.map((a) => a.process.stop()), ...workers.map((w) => w.stop())]);
      await Promise.allSettled([sim.close(), smtp.stop(), database.close()]);
    },
  };
}
