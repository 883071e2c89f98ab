/**
 * `pnpm dev`: one command for a newcomer. Resolves MongoDB and Redis the same way the tests do
 * (env URL → testcontainers → mongodb-memory-server → jongodb; Sentinel/Cluster variables as given →
 * REDIS_URL → local → spawned),
 * then runs the API and the worker with readable logs. Ctrl-C stops everything it started.
 */
import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolveMongo, resolveRedis, STAND_IN_WARNING } from '@simple-shop/dev-services';
import pretty from 'pino-pretty';
import { startDevMail } from './dev/mail';
import { startDevStorefront } from './dev/storefront';
import { startDevStripe } from './dev/stripe';
import { seedEmbeddedDatabase } from '@simple-shop/seed/embedded';

if (existsSync('.env')) process.loadEnvFile('.env');

// The storefront first, and its URL first: it is what a newcomer opens. It is also where Stripe
// returns shoppers and where email links point (PUBLIC_APP_URL and friends default to it).
const storefront = await startDevStorefront({ apiPort: process.env.PORT ?? 5000 });
console.log(`[dev] Storefront: ${storefront.url}   <- open this to shop (API and worker are starting)`);

const mongo = await resolveMongo();
const redis = await resolveRedis();

if (mongo.isStandIn) {
  const bar = '!'.repeat(100);
  console.warn(
    `\n${bar}\n!! MongoDB is jongodb, an ${STAND_IN_WARNING}.\n!! Example: MONGODB_URI="mongodb://localhost:27017/?replicaSet=rs0" pnpm dev   (or: docker compose up -d mongo)\n${bar}\n`,
  );
}

// An embedded MongoDB starts empty: put the demo catalog and accounts in (idempotent; packages/seed).
const seedLines = mongo.kind === 'env' ? [] : await seedEmbeddedDatabase(mongo.uri);

// Development-only defaults; `pnpm start` accepts none of these and needs real configuration.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: process.env.NODE_ENV ?? 'development',
  MONGODB_URI: mongo.uri,
  // Empty when Sentinel or Cluster variables are set: those pass through from process.env as given.
  ...(redis.url ? { REDIS_URL: redis.url } : {}),
  JWT_SECRET: process.env.JWT_SECRET ?? 'dev-only-jwt-secret-change-me-0123456789abcdef',
};
Object.assign(env, storefront.env);

// Local stand-ins for Stripe and SMTP (scripts/dev/*), unless the environment names real ones.
const stripeDev = await startDevStripe({ apiPort: env.PORT ?? 5000 });
const mailDev = await startDevMail();
Object.assign(env, stripeDev.env, mailDev.env);

const children: ChildProcess[] = [];

function run(name: string, entry: string): ChildProcess {
  // tsx as a loader in the app's own process, as bench/ does: no relaying CLI process in between.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prettyOut = pretty({
    colorize: true,
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname',
    messageFormat: `[${name}] {msg}`,
  });
  child.stdout?.pipe(prettyOut);
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk.toString()}`));
  child.on('exit', (code, signal) => {
    console.log(`[dev] ${name} exited (${signal ?? code})`);
    if (!stopping) void stop(1);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  await Promise.allSettled([mongo.stop(), redis.stop(), stripeDev.stop(), mailDev.stop(), storefront.stop()]);
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

run('api', 'apps/api/src/server.ts');
run('worker', 'apps/worker/src/main.ts');
console.log(
  `[dev] API on http://localhost:${env.PORT ?? 5000} (docs: /docs), worker health on http://localhost:${env.WORKER_PORT ?? 5001}/health`,
);
printDevBanner();

function printDevBanner(): void {
  const api = `http://localhost:${env.PORT ?? 5000}`;
  const lines = [
    `Storefront:       ${storefront.url}`,
    `API docs:         ${api}/docs`,
    `Bull Board:       ${api}/admin/queues  (log in with an admin account below; read-only unless BULL_BOARD_READ_ONLY=false)`,
    ...stripeDev.banner,
    ...mailDev.banner,
    ...seedLines,
  ];
  console.log(lines.map((line) => `[dev] ${line}`).join('\n'));
}
