import os from 'node:os';
import { runLoad, type LoadOptions, type LoadResult, type RequestSpec } from '../load';
import { waitForWorkerIdle } from '../data';
import { diff, perOp, scrape, served, snapshotBefore, type Diff } from '../metrics';
import { monotonicMicros } from '../profile';
import { benchPids, between, sample, type MachineLoad } from '../sysload';
import type { BenchContext, ProcessCost, ScenarioResult } from './types';

export interface Measured<T> {
  value: T;
  api: Diff;
  worker: Diff;
  window: { fromUs: number; toUs: number };
  machineLoad?: MachineLoad;
}

export interface MeasureOptions<T> {
  /**
   * How long to wait after `fn` before the closing snapshot, so requests still in flight when the
   * load generator stopped are finished (they are counted server-side, see `served`). Default:
   * twice the run's p99 latency, between 300 ms and 5 s.
   */
  settleMs?: (value: T) => number;
  /** Take the worker's closing snapshot only once it has processed every queued event and email. */
  workerIdle?: boolean;
}

const defaultSettle = (value: unknown): number => {
  const p99 = (value as Partial<LoadResult> | undefined)?.latency?.p99 ?? 0;
  return Math.min(5000, Math.max(300, 2 * p99));
};

/** Runs `fn` between two /metrics snapshots of the API and the worker. */
export async function measure<T>(
  ctx: BenchContext,
  fn: () => Promise<T>,
  opts: MeasureOptions<T> = {},
): Promise<Measured<T>> {
  const [apiBefore, workerBefore] = await Promise.all([snapshotBefore(ctx.api.url), snapshotBefore(ctx.worker.url)]);
  const fromUs = monotonicMicros();
  const loadBefore = sample([...benchPids]);
  const value = await fn();
  const loadAfter = sample([...benchPids]);
  const toUs = monotonicMicros();
  await new Promise((r) => setTimeout(r, (opts.settleMs ?? defaultSettle)(value)));
  const apiAfter = await scrape(ctx.api.url);
  if (opts.workerIdle && !(await waitForWorkerIdle(ctx.database))) ctx.log('the worker was not idle after 60 s');
  const workerAfter = await scrape(ctx.worker.url);
  return {
    value,
    api: diff(apiAfter, apiBefore, ctx.overhead.api),
    worker: diff(workerAfter, workerBefore, ctx.overhead.worker),
    window: { fromUs, toUs },
    machineLoad: between(loadBefore, loadAfter),
  };
}

/** Per-operation costs; `busyS` (the load's duration) turns CPU seconds into cores used. */
export function cost(d: Diff, ops: number, busyS = d.elapsedSeconds): ProcessCost {
  return {
    mongo: perOp(d.mongo, ops),
    redis: perOp(d.redis, ops),
    mongoPerOp: ops > 0 ? d.mongoTotal / ops : 0,
    redisPerOp: ops > 0 ? d.redisTotal / ops : 0,
    cpuMsPerOp: ops > 0 ? (d.cpuSeconds * 1000) / ops : 0,
    systemCpuShare: d.cpuSeconds > 0 ? d.cpuSystemSeconds / d.cpuSeconds : 0,
    cpuCores: busyS > 0 ? d.cpuSeconds / busyS : 0,
  };
}

/** A short run of the same requests first: JIT, connection pools and caches warm up. */
export async function warmup(ctx: BenchContext, opts: Omit<LoadOptions, 'durationS' | 'amount'>): Promise<void> {
  if (ctx.settings.warmupS <= 0) return;
  await runLoad({ ...opts, durationS: ctx.settings.warmupS });
}

/** GETs every path once (bounded concurrency), e.g. to fill the product cache before a read scenario. */
export async function prewarm(baseUrl: string, paths: string[], concurrency = 16): Promise<number> {
  let next = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < paths.length) {
        const path = paths[next++]!;
        const res = await fetch(`${baseUrl}${path}`).catch(() => null);
        if (!res?.ok) failures += 1;
        await res?.arrayBuffer();
      }
    }),
  );
  return failures;
}

/** Runs async `tasks` with at most `concurrency` at a time; results in order. */
export async function pool<T, R>(items: readonly T[], concurrency: number, task: (item: T, i: number) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await task(items[i]!, i);
      }
    }),
  );
  return results;
}

/**
 * What limited a scenario: the stand-in for write-heavy work; else the API's CPU when it used
 * (nearly) a whole core, its single-threaded limit; else the machine when all its cores were busy.
 */
export function boundBy(
  ctx: BenchContext,
  apiCores: number,
  writes: 'none' | 'some' | 'heavy',
  load?: MachineLoad,
  process = 'API',
): string {
  const parts: string[] = [];
  if (writes !== 'none' && ctx.isStandIn) parts.push(writes === 'heavy' ? 'stand-in writes' : 'stand-in writes (part)');
  if (apiCores >= 0.8) parts.push(`${process} CPU (${apiCores.toFixed(2)} cores)`);
  else if (load && load.busyCores >= 0.9 * os.cpus().length) {
    parts.push(
      `machine CPU (${process} ${apiCores.toFixed(2)}, load gen ${load.loadGeneratorCores.toFixed(2)}, other ${load.otherCores.toFixed(2)} cores)`,
    );
  }
  if (parts.length === 0) parts.push(`latency (${process} ${apiCores.toFixed(2)} cores, machine not saturated)`);
  return parts.join(' + ');
}

export interface ReadScenarioSpec {
  id: string;
  title: string;
  requests: RequestSpec[];
  /** Paths fetched once before the warm-up (cache fill). */
  prewarmPaths: string[];
}

/** A GET-only throughput scenario: prewarm, warm up, measure for `durationS`. */
export async function readScenario(ctx: BenchContext, spec: ReadScenarioSpec): Promise<ScenarioResult> {
  const { settings } = ctx;
  const failures = await prewarm(ctx.api.url, spec.prewarmPaths);
  if (failures > 0) ctx.log(`${spec.id}: ${failures} prewarm request(s) failed`);
  const load = { url: ctx.api.url, connections: settings.connections, requests: spec.requests };
  await warmup(ctx, load);
  const m = await measure(ctx, () => runLoad({ ...load, durationS: settings.durationS }));
  return fromLoad(ctx, spec.id, spec.title, m, { unit: 'request', writes: 'none' });
}

export function fromLoad(
  ctx: BenchContext,
  id: string,
  title: string,
  m: Measured<LoadResult>,
  opts: {
    unit: string;
    writes: 'none' | 'some' | 'heavy';
    /** Successful operations seen by the client (throughput); default: 2xx responses. */
    ops?: number;
    /** Operations the server completed, for per-operation costs; default: its 2xx answers on `route`. */
    serverOps?: number;
    route?: (method: string, route: string) => boolean;
    notes?: string[];
    connections?: number;
  },
): ScenarioResult {
  const load = m.value;
  const ops = opts.ops ?? load.ok;
  const serverOps = opts.serverOps ?? (served(m.api, opts.route) || ops);
  const api = cost(m.api, serverOps, load.elapsedS);
  return {
    id,
    title,
    unit: opts.unit,
    connections: opts.connections ?? ctx.settings.connections,
    ops,
    elapsedS: load.elapsedS,
    opsPerSec: ops / load.elapsedS,
    reqPerSec: load.responses / load.elapsedS,
    latency: load.latency,
    latencyOf: 'each HTTP request',
    successRate: load.successRate,
    statusCounts: load.statusCounts,
    api,
    worker: cost(m.worker, serverOps),
    boundBy: boundBy(ctx, api.cpuCores, opts.writes, m.machineLoad),
    notes: opts.notes ?? [],
    window: m.window,
    ...(m.machineLoad ? { machineLoad: m.machineLoad } : {}),
    extra: { serverOps },
  };
}
