/**
 * `pnpm bench`: the whole benchmark in one run, on 127.0.0.1 only, in a bounded time.
 *
 *  1. build (`pnpm build`; tsx on the sources if it fails), resolve MongoDB and Redis like `pnpm dev`
 *     (@simple-shop/dev-services), seed a small catalog and shoppers in a database of its own;
 *  2. the bare Fastify hello-world alone, then the Stripe simulator, API and worker as processes;
 *  3. every scenario (bench/scenarios/*), with /metrics diffs per scenario;
 *  4. CPU profiles of the API for the targets that were missed;
 *  5. the table on stdout, docs/benchmarks.json and docs/benchmarks.md;
 *  6. every process it started is stopped, the Redis keys and (real server) database removed,
 *     on success, on failure and on Ctrl-C.
 *
 * Settings (environment): see bench/README.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { catalogKeys } from '@simple-shop/cache';
import { resolveMongo, resolveRedis, type ResolvedMongo, type ResolvedRedis } from '@simple-shop/dev-services';
import type { Database } from '@simple-shop/db';
import { createRedis, waitForRedis, type Redis } from '@simple-shop/queue';
import { seedDatabase } from '@simple-shop/seed';
import { createUsers, deleteKeys, openDatabase, resetWriteState, seedCatalog, waitForWorkerIdle } from './data';
import { scrapeOverhead } from './metrics';
import { BENCH_DIR, stopAll } from './processes';
import { summariseProfile } from './profile';
import { benchPids } from './sysload';
import { consoleTable, readBaseline, writeReport, type BenchReport, type Machine, type ProfileEntry } from './report';
import { fulfilment } from './scenarios/fulfilment';
import { mixed } from './scenarios/mixed';
import { helloWorld, productDetail, productList, search } from './scenarios/reads';
import type { BenchContext, ScenarioResult, Settings } from './scenarios/types';
import { addToCart, orderCheckout, webhookIngest } from './scenarios/writes';
import {
  buildOrFallback,
  JWT_SECRET,
  PROFILE_DIR,
  profilePath,
  RATE_LIMIT_ENV,
  startApi,
  startHelloWorld,
  startSimulator,
  startWorker,
  type SharedEnv,
} from './stack';
import { budgets, targets } from './verdicts';

/** Seeding the demo catalog, first or again, takes less than this (moved here from the test suite). */
const SEED_BUDGET_MS = 10_000;

const started = performance.now();
const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return value;
};

const settings: Settings = {
  durationS: num('BENCH_DURATION_S', 10),
  warmupS: num('BENCH_WARMUP_S', 1),
  mixedDurationS: num('BENCH_MIXED_DURATION_S', 20),
  connections: num('BENCH_CONNECTIONS', 50),
  writeConnections: num('BENCH_WRITE_CONNECTIONS', 16),
  mixedConnections: (process.env.BENCH_MIXED_CONNECTIONS ?? '50,100')
    .split(',')
    .map(Number)
    .filter((n) => n > 0),
  products: num('BENCH_PRODUCTS', 500),
  users: num('BENCH_USERS', 200),
  orderLimit: num('BENCH_ORDER_LIMIT', 300),
  ingestLimit: num('BENCH_INGEST_LIMIT', 1500),
  /** 0 = 200 on a real MongoDB, 60 on the stand-in (one transaction there takes ~0.25 s, serialised). */
  fulfilOrders: num('BENCH_FULFIL_ORDERS', 0),
  profile: process.env.BENCH_PROFILE !== '0',
  profileS: num('BENCH_PROFILE_S', 5),
  logLevel: process.env.BENCH_LOG_LEVEL || 'info',
};
const only = process.env.BENCH_ONLY?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const wanted = (id: string) => !only || only.some((o) => id.startsWith(o));
/**
 * Where the report goes: docs/ for a full run only. A partial run (BENCH_ONLY) must not replace the
 * published results, so it writes .bench/ unless BENCH_OUT names a directory.
 */
const outDir = process.env.BENCH_OUT || (only ? BENCH_DIR : 'docs');
/** Scenarios that measure cached reads: their profile must show cache hits, as measured. */
const CACHED_READS = new Set(['product-detail', 'product-list', 'search']);

const log = (message: string) => console.log(`[bench] ${message}`);

let mongo: ResolvedMongo | undefined;
let redisDeps: ResolvedRedis | undefined;
let database: Database | undefined;
let redis: Redis | undefined;
let keyPrefix = '';
let cleaning: Promise<void> | undefined;

async function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAll();
    if (redis && keyPrefix) await deleteKeys(redis, `${keyPrefix}:*`).catch(() => undefined);
    if (database && !database.isStandIn && process.env.BENCH_KEEP_DB !== '1') {
      await database.db.dropDatabase().catch(() => undefined);
    }
    await database?.close().catch(() => undefined);
    redis?.disconnect();
    await Promise.allSettled([mongo?.stop(), redisDeps?.stop()]);
    log('stopped every process it started and removed its Redis keys');
  })();
  return cleaning;
}

// `on`, not `once`: Ctrl-C can arrive more than once (pressed twice, or relayed by a parent), and a second
// signal without a listener would kill the process before it has cleaned up.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (cleaning) return;
    console.error(`\n[bench] ${signal}: stopping every process the bench started…`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  // Read first: a wrong path should fail before minutes of measuring, not after.
  const baseline = process.env.BENCH_BASELINE ? readBaseline(process.env.BENCH_BASELINE) : undefined;
  mkdirSync(BENCH_DIR, { recursive: true });
  rmSync(PROFILE_DIR, { recursive: true, force: true });

  log('building (pnpm build)…');
  const { entry, note: processNote } = buildOrFallback(process.env.BENCH_SKIP_BUILD === '1');
  log(`API and worker: ${processNote}`);

  mongo = await resolveMongo();
  redisDeps = await resolveRedis();
  const runId = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  keyPrefix = `bench:${runId}`;
  // jongodb does not keep up the driver's streaming heartbeat ("Server ended moreToCome
  // unexpectedly"): under load the driver marks it Unknown and clears its connection pool about
  // once a second, and every command then pays a new connection. Polling heartbeats avoid that
  // stand-in artefact; a real server's URI is passed on unchanged.
  // (The dev-services resolver already adds it to the jongodb it starts.)
  const mongoUri =
    mongo.isStandIn && !mongo.uri.includes('serverMonitoringMode=')
      ? `${mongo.uri}${mongo.uri.includes('?') ? '&' : '?'}serverMonitoringMode=poll`
      : mongo.uri;
  database = await openDatabase(mongoUri, runId);
  const buildInfo = (await database.db.admin().command({ buildInfo: 1 })) as { version?: string };
  redis = createRedis(redisDeps.url, 'client', 'simple-shop-bench');
  if (!(await waitForRedis(redis, 5000))) throw new Error(`Redis at ${redisDeps.url} did not answer within 5 s`);
  const redisInfo = await redis.info('server');
  // Their CPU counts as the bench's own in the machine-load figures (sysload.ts).
  const mongoPid = /pid (\d+)/.exec(mongo.description)?.[1];
  const redisPid = /process_id:(\d+)/.exec(redisInfo)?.[1];
  for (const pid of [mongoPid, redisPid]) if (pid) benchPids.add(Number(pid));
  const machine: Machine = {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    ramGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    mongo: {
      kind: mongo.kind,
      version: String(buildInfo.version ?? '?'),
      isStandIn: database.isStandIn,
      description: mongo.description,
    },
    redis: { kind: redisDeps.kind, version: /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? '?' },
    date: new Date().toISOString(),
    loadAvgAtStart: os.loadavg(),
  };

  if (settings.fulfilOrders === 0) settings.fulfilOrders = database.isStandIn ? 60 : 200;
  const seedStarted = performance.now();
  const catalog = await seedCatalog(database, settings.products);
  const users = await createUsers(database, settings.users, { JWT_SECRET });
  log(
    `seeded ${catalog.productIds.length} active products and ${users.length} shoppers in database ${runId} ` +
      `(${Math.round(performance.now() - seedStarted)} ms)`,
  );

  const results: ScenarioResult[] = [];
  const failures: { scenario: string; error: string }[] = [];

  // Seeding speed (a time budget belongs here, not in the test suite): seeding the demo catalog
  // again adds nothing and must stay well under 10 s, like the first run above.
  const seedMs = Math.round(performance.now() - seedStarted);
  const reseed = await seedDatabase(database, { productCount: settings.products, accounts: [] });
  log(
    `seeded the catalog again: ${reseed.products.inserted} added, ${reseed.products.existing} existing (${reseed.ms} ms)`,
  );
  for (const [run, ms] of [
    ['first', seedMs],
    ['again', reseed.ms],
  ] as const) {
    if (ms >= SEED_BUDGET_MS)
      failures.push({ scenario: 'seed', error: `seeding (${run}) took ${ms} ms, budget ${SEED_BUDGET_MS} ms` });
  }
  const record = async (id: string, run: () => Promise<ScenarioResult>) => {
    if (!wanted(id)) return;
    const t = performance.now();
    log(`${id}…`);
    try {
      const result = await run();
      results.push(result);
      log(
        `${id}: ${Math.round(result.opsPerSec)} ${result.unit}/s, p95 ${result.latency.p95.toFixed(1)} ms, ` +
          `success ${(result.successRate * 100).toFixed(2)} % (${((performance.now() - t) / 1000).toFixed(1)} s)`,
      );
    } catch (error) {
      const message = (error as Error).stack ?? String(error);
      console.error(`[bench] ${id} failed: ${message}`);
      failures.push({ scenario: id, error: (error as Error).message });
    }
  };

  // 1. The framework's limit, alone on the machine.
  let helloOps = 0;
  let helloP99: number | undefined;
  let helloOtherCores: number | undefined;
  let helloCpuMsPerOp: number | undefined;
  await record('hello-world', async () => {
    const hello = await startHelloWorld();
    try {
      const result = await helloWorld(settings, hello);
      helloOps = result.opsPerSec;
      helloP99 = result.latency.p99;
      helloOtherCores = result.machineLoad?.otherCores;
      helloCpuMsPerOp = result.serverCpu?.msPerOp;
      return result;
    } finally {
      await hello.proc.stop();
    }
  });

  // 2. The product as processes.
  const webhookSecret = `whsec_bench_${randomBytes(12).toString('hex')}`;
  const shared: SharedEnv = {
    MONGODB_URI: mongoUri,
    MONGODB_DB: runId,
    REDIS_URL: redisDeps.url,
    REDIS_KEY_PREFIX: keyPrefix,
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    LOG_LEVEL: settings.logLevel,
  };
  const sim = await startSimulator(webhookSecret);
  const api = await startApi(entry, shared, sim.url);
  const worker = await startWorker(entry, shared, sim.url);
  log(`API ${api.url} (pid ${api.proc.pid}), worker ${worker.url} (pid ${worker.proc.pid}), simulator ${sim.url}`);
  const ctx: BenchContext = {
    settings,
    api,
    worker,
    sim,
    database,
    redis,
    redisUrl: redisDeps.url,
    keyPrefix,
    catalog,
    users,
    webhookSecret,
    isStandIn: database.isStandIn,
    overhead: { api: await scrapeOverhead(api.url), worker: await scrapeOverhead(worker.url) },
    log,
  };
  const db = database;
  const rds = redis;
  const reset = async () => {
    if (!(await waitForWorkerIdle(db))) log('the worker still had work after 60 s; resetting anyway');
    await resetWriteState(db, rds, keyPrefix, catalog.productIds);
  };

  // 3. Scenarios.
  await record('product-detail', () => productDetail(ctx));
  await record('product-list', () => productList(ctx));
  await record('search', () => search(ctx));
  await record('add-to-cart', () => addToCart(ctx));
  await record('order-checkout', () => orderCheckout(ctx));
  await reset();
  await record('webhook-ingest', () => webhookIngest(ctx));
  await reset();
  await record('fulfilment', () => fulfilment(ctx));
  for (const connections of settings.mixedConnections) {
    await reset();
    await record(`mixed-${connections}`, () => mixed(ctx, connections));
  }

  const targetList = targets(results, {
    helloOpsPerSec: helloOps,
    ...(helloP99 !== undefined ? { helloP99Ms: helloP99 } : {}),
    ...(helloOtherCores !== undefined ? { helloOtherCores } : {}),
    ...(helloCpuMsPerOp !== undefined ? { helloCpuMsPerOp } : {}),
    isStandIn: database.isStandIn,
  });
  const budgetList = budgets(results);

  // 4. CPU profiles of the missed targets, each on a freshly started, profiled API.
  const profiles: ProfileEntry[] = [];
  // Profiled too when there is no verdict: the profile still shows where the CPU goes.
  const missed = [
    ...new Set(targetList.filter((t) => t.status === 'MISS' || t.status === 'NO VERDICT').map((t) => t.scenario)),
  ];
  if (settings.profile && missed.length > 0) {
    const short: Settings = {
      ...settings,
      durationS: settings.profileS,
      mixedDurationS: settings.profileS,
      warmupS: 1,
    };
    const rerun: Record<string, (c: BenchContext) => Promise<ScenarioResult>> = {
      'product-detail': productDetail,
      'product-list': productList,
      search,
      'webhook-ingest': webhookIngest,
      fulfilment,
      'mixed-100': (c) => mixed(c, 100),
    };
    await ctx.api.proc.stop();
    for (const id of missed) {
      const scenario = rerun[id];
      if (!scenario) continue;
      // Fulfilment's work is the worker's: profile it too (the API only ingests the events).
      const withWorker = id === 'fulfilment';
      log(`profiling the API${withWorker ? ' and the worker' : ''} during ${id} (${settings.profileS} s)…`);
      try {
        await reset();
        if (CACHED_READS.has(id)) {
          // reset() dropped every cached product, and the write scenarios before have usually spent the
          // cache's write-back byte budget for this TTL window: the prewarm could then not refill it, and
          // the "cached read" profile would show MongoDB reads. Clearing the budget (this run's own key)
          // lets the prewarm fill the cache, so the profiled window is the cache-hit path that was measured.
          await rds.del(catalogKeys(keyPrefix).budget);
        }
        const profiled = await startApi(entry, shared, sim.url, { name: `api-profile-${id}`, profile: `api-${id}` });
        let worker = ctx.worker;
        if (withWorker) {
          await ctx.worker.proc.stop();
          worker = await startWorker(entry, shared, sim.url, { name: `worker-profile-${id}`, profile: `worker-${id}` });
        }
        const pctx: BenchContext = {
          ...ctx,
          settings: { ...short, fulfilOrders: Math.min(settings.fulfilOrders, 30) },
          api: profiled,
          worker,
          overhead: {
            api: await scrapeOverhead(profiled.url),
            worker: withWorker ? await scrapeOverhead(worker.url) : ctx.overhead.worker,
          },
        };
        const result = await scenario(pctx);
        await profiled.proc.stop();
        if (withWorker) await worker.proc.stop();
        for (const proc of withWorker ? (['api', 'worker'] as const) : (['api'] as const)) {
          const file = profilePath(`${proc}-${id}`);
          if (!file) throw new Error(`no ${proc} profile written in ${PROFILE_DIR}`);
          const cost = proc === 'api' ? result.api : result.worker;
          profiles.push({
            scenario: id,
            process: proc,
            summary: summariseProfile(file, result.window),
            ...(cost ? { mongoPerOp: cost.mongoPerOp, redisPerOp: cost.redisPerOp, cpuMsPerOp: cost.cpuMsPerOp } : {}),
          });
          if (CACHED_READS.has(id) && proc === 'api' && (result.api?.mongoPerOp ?? 0) > 0) {
            log(
              `profile of ${id}: ${result.api!.mongoPerOp.toFixed(2)} MongoDB commands per read (not all cache hits)`,
            );
          }
        }
      } catch (error) {
        console.error(`[bench] profile of ${id} failed: ${(error as Error).message}`);
      }
    }
  }

  // 5. Report.
  const wallTimeSeconds = (performance.now() - started) / 1000;
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    wallTimeSeconds,
    machine,
    run: { processes: processNote, logLevel: settings.logLevel, rateLimits: RATE_LIMIT_ENV, settings },
    helloWorldOpsPerSec: helloOps,
    scenarios: results.map((r) => ({
      ...r,
      ratioToHello: helloOps > 0 && r.id !== 'hello-world' ? r.opsPerSec / helloOps : r.id === 'hello-world' ? 1 : null,
    })),
    failures,
    ...(baseline ? { baseline } : {}),
    budgets: budgetList,
    targets: targetList,
    profiles,
    notes: [
      `API and worker processes: ${processNote}; NODE_ENV=production, LOG_LEVEL=${settings.logLevel} (one log line per request, written by the processes to .bench/logs/).`,
      `Rate limits set out of the way: ${Object.entries(RATE_LIMIT_ENV)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}. The limiter still runs on every request (its Redis script call is in the Redis counts).`,
      `MongoDB: ${mongo.description}; database ${runId}, Redis key prefix ${keyPrefix} (both removed afterwards).` +
        (mongo.isStandIn
          ? " The stand-in's URI gets `serverMonitoringMode=poll`: it breaks the driver's streaming heartbeat under load " +
            '("Server ended moreToCome unexpectedly"), and the driver then clears its connection pool about once a second ' +
            '(measured: 9 pool clears and 438 new connections for 2,000 commands, versus 0 and 49 with polling).'
          : ''),
      `Data: ${catalog.productIds.length} active products of a ${settings.products}-product demo catalog (packages/seed, one bulk insert), stock set to 1,000,000 so no order fails for stock; ` +
        `${users.length} shoppers inserted in bulk with access tokens signed with the API's JWT secret (as the test harness does). ` +
        'Orders, payments, events, emails and carts are emptied before each write-heavy scenario, because stand-in writes slow down as collections grow.',
      'Load: autocannon in the bench process (keep-alive, no pipelining); every process shares the same 2 cores, so the load generator competes with the API. ' +
        `Throughput scenarios: ${settings.warmupS} s warm-up then ${settings.durationS} s; mixed: ${settings.mixedDurationS} s per run.`,
      "Stripe: the local simulator as its own process (no webhook URL: the bench delivers the events it records, signed). Emails: the worker's log transport (no SMTP).",
    ],
  };
  const jsonPath = join(outDir, 'benchmarks.json');
  const mdPath = join(outDir, 'benchmarks.md');
  writeReport(report, jsonPath, mdPath);
  console.log(`\n${consoleTable(report)}\n`);
  log(`wrote ${jsonPath} and ${mdPath}; wall time ${wallTimeSeconds.toFixed(0)} s`);
  if (failures.length > 0) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  console.error(`[bench] failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
