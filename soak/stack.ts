/**
 * The product as real processes for the soak: one API, N workers, the Stripe simulator delivering
 * webhooks to the API, an SMTP catcher, and a dedicated redis-server the chaos loop can stop and
 * start. Like `startStack` of @simple-shop/testing, but usable outside vitest (that one reads the
 * vitest-provided dependencies) and with chaos controls.
 *
 * Imports the testing helpers by path: the package index pulls in vitest, which refuses to load
 * outside its runner.
 */
import { freePort, startRedisServer, type StartedRedisServer } from '@simple-shop/dev-services';
import { startStripeSimulator, type StripeSimulator } from '@simple-shop/stripe-simulator';
import { connectDatabase, type Database } from '@simple-shop/db';
import { createRedis, type Redis } from '@simple-shop/queue';
import { signTestAccessToken } from '@simple-shop/testing/jwt';
import { startSmtpCatcher, type SmtpCatcher } from '@simple-shop/testing/smtp-catcher';
import { spawnProcess, type SpawnedProcess } from '@simple-shop/testing/spawn-process';
import { startTxProxy, upstreamOf, type TxProxy } from './mongo-tx-proxy';

export const SOAK_STRIPE_KEY = 'sk_test_simulator';
export const SOAK_WEBHOOK_SECRET = 'whsec_soak_secret';
export const SOAK_JWT_SECRET = 'soak-only-jwt-secret-0123456789abcdefghijklmnopqrs';

export interface SoakWorker {
  id: number;
  process: SpawnedProcess;
  port: number;
}

export interface SoakStack {
  env: Record<string, string>;
  /** The MongoDB the processes use (the tx proxy when isolation is on). */
  mongoUri: string;
  proxy: TxProxy | null;
  sim: StripeSimulator;
  smtp: SmtpCatcher;
  database: Database;
  redis: StartedRedisServer;
  /** A client of the soak itself (queue depths), reconnecting across Redis restarts. */
  redisClient: Redis;
  apiUrl: string;
  api: SpawnedProcess;
  workers: SoakWorker[];
  startWorker(): Promise<SoakWorker>;
  /** SIGKILL, no chance to clean up. Resolves when the process is gone. */
  killWorker(worker: SoakWorker): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  redisUp(): boolean;
  bearer(user: { id: string; role: 'customer' | 'admin' }): string;
  /** Output tails of every process started, for a failure report. */
  outputTails(lines?: number): Record<string, string>;
  /** Log lines of every process containing `needle` (time, process, message and ids), for evidence. */
  grep(needle: string, max?: number): string[];
  stop(): Promise<void>;
}

export interface SoakStackOptions {
  /** Jongodb or real MongoDB, without database name. */
  mongoUri: string;
  /** Route every process through the transaction-isolating proxy (the stand-in lacks isolation). */
  isolateTransactions: boolean;
  workers: number;
  dbName: string;
  keyPrefix: string;
  env?: Record<string, string>;
  /** Workers log each job at `info` (evidence for the report); the API logs warnings only. */
  workerLogLevel?: string;
  log: (line: string) => void;
}

async function waitHealthy(url: string, proc: SpawnedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited)
      throw new Error(`${proc.name} exited during start-up:\n${proc.output().split('\n').slice(-30).join('\n')}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${proc.name} not healthy within ${timeoutMs} ms:\n${proc.output().split('\n').slice(-30).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSoakStack(options: SoakStackOptions): Promise<SoakStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const all: SpawnedProcess[] = [];
  try {
    const proxy = options.isolateTransactions
      ? await startTxProxy(upstreamOf(options.mongoUri), { log: options.log, abandonGraceMs: 2000 })
      : null;
    if (proxy) cleanups.push(() => proxy.close());
    const mongoUri = proxy ? proxy.uri : options.mongoUri;

    let redis = await startRedisServer();
    cleanups.push(() => redis.stop());
    const smtp = await startSmtpCatcher();
    cleanups.push(() => smtp.stop());
    const sim = await startStripeSimulator({
      apiKeys: [SOAK_STRIPE_KEY],
      webhookSecret: SOAK_WEBHOOK_SECRET,
      retry: { baseDelayMs: 100, maxAttempts: 8, factor: 2 },
    });
    cleanups.push(() => sim.close());

    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      MONGODB_URI: mongoUri,
      MONGODB_DB: options.dbName,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: options.keyPrefix,
      JWT_SECRET: SOAK_JWT_SECRET,
      STRIPE_SECRET_KEY: SOAK_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: SOAK_WEBHOOK_SECRET,
      STRIPE_API_BASE: sim.url,
      SMTP_URL: smtp.url,
      JOB_ATTEMPTS: '6',
      JOB_BACKOFF_MS: '200',
      JOB_LOCK_MS: '2000',
      RECONCILE_INTERVAL_MS: '2000',
      RATE_LIMIT_MAX: '1000000',
      AUTH_RATE_LIMIT_MAX: '1000000',
      AUTH_ACCOUNT_SLOWDOWN_AFTER: '1000000',
      // The soak's customers hold orders open on purpose (expiry, reconciliation): no hoarding caps.
      ORDER_MAX_OPEN_PER_USER: '1000',
      ORDER_MAX_UNITS_PER_PRODUCT: '1000000',
      ...options.env,
    };
    const database = await connectDatabase({ uri: mongoUri, dbName: options.dbName, appName: 'soak' });
    cleanups.push(() => database.close());
    const redisClient = createRedis(redis.url, 'client', 'soak');
    redisClient.on('error', () => undefined); // restarts are expected
    cleanups.push(async () => redisClient.disconnect());

    const apiPort = await freePort();
    const api = spawnProcess('apps/api/src/server.ts', { ...env, PORT: String(apiPort) }, { name: 'api' });
    all.push(api);
    cleanups.push(() => api.stop());
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitHealthy(apiUrl, api, 60_000);
    sim.setWebhookUrl(`${apiUrl}/api/payments/webhook`);

    const workers: SoakWorker[] = [];
    let nextWorkerId = 1;
    const startWorker = async (): Promise<SoakWorker> => {
      const id = nextWorkerId++;
      const port = await freePort();
      const proc = spawnProcess(
        'apps/worker/src/main.ts',
        { ...env, LOG_LEVEL: options.workerLogLevel ?? env.LOG_LEVEL!, WORKER_PORT: String(port) },
        { name: `worker-${id}` },
      );
      all.push(proc);
      await waitHealthy(`http://127.0.0.1:${port}`, proc, 60_000);
      const worker: SoakWorker = {
        id,
        process: proc,
        port,
      };
      workers.push(worker);
      return worker;
    };
    cleanups.push(() => Promise.allSettled(workers.map((w) => w.process.stop())));
    for (let i = 0; i < options.workers; i++) await startWorker();

    let redisRunning = true;
    return {
      env,
      mongoUri,
      proxy,
      sim,
      smtp,
      database,
      get redis() {
        return redis;
      },
      redisClient,
      apiUrl,
      api,
      workers,
      startWorker,
      async killWorker(worker) {
        worker.process.kill('SIGKILL');
        await worker.process.exited;
        const index = workers.indexOf(worker);
        if (index >= 0) workers.splice(index, 1);
      },
      async stopRedis() {
        redisRunning = false;
        await redis.stop();
      },
      async startRedis() {
        redis = await startRedisServer({ port: redis.port });
        redisRunning = true;
      },
      redisUp: () => redisRunning,
      bearer: (user) => signTestAccessToken(env as { JWT_SECRET: string }, { sub: user.id, role: user.role }, 3600),
      grep(needle, max = 12) {
        const found: { time: string; line: string }[] = [];
        for (const p of all) {
          for (const raw of p.output().split('\n')) {
            if (!raw.includes(needle)) continue;
            try {
              const entry = JSON.parse(raw.replace(/^\[stderr\] /, '')) as Record<string, unknown>;
              const keys = ['jobId', 'attempt', 'attemptsMade', 'outboxId', 'orderId', 'eventId', 'final'];
              const ids = keys.filter((k) => entry[k] !== undefined).map((k) => `${k}=${String(entry[k])}`);
              const err = (entry.err as { message?: string } | undefined)?.message;
              found.push({
                time: String(entry.time ?? ''),
                line: `${String(entry.time ?? '').slice(11, 23)} ${p.name} pid ${String(entry.pid)}: ${String(entry.msg)} ${ids.join(' ')}${err ? ` (${err})` : ''}`,
              });
            } catch {
              found.push({ time: '', line: `${p.name}: ${raw.slice(0, 300)}` });
            }
          }
        }
        return found
          .sort((a, b) => a.time.localeCompare(b.time))
          .slice(0, max)
          .map((f) => f.line);
      },
      outputTails(lines = 40) {
        const short = (line: string) => (line.length > 400 ? `${line.slice(0, 400)}…` : line);
        return Object.fromEntries(all.map((p) => [p.name, p.output().split('\n').slice(-lines).map(short).join('\n')]));
      },
      async stop() {
        const pending = cleanups.splice(0).reverse();
        for (const cleanup of pending) await cleanup().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}
