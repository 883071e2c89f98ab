/** Scenarios 1–4: the framework's limit and the cached catalog reads. */
import { cycle, runLoad, type RequestSpec } from '../load';
import { monotonicMicros } from '../profile';
import { benchPids, between, pidCpuSeconds, sample } from '../sysload';
import type { Service } from '../stack';
import { readScenario } from './common';
import type { BenchContext, ScenarioResult, Settings } from './types';

/** 1. A bare Fastify route in its own process: the ceiling every other figure is a ratio of. */
export async function helloWorld(settings: Settings, hello: Service): Promise<ScenarioResult> {
  const url = hello.url;
  const load = { url, connections: settings.connections, requests: [{ method: 'GET', path: '/' }] as RequestSpec[] };
  if (settings.warmupS > 0) await runLoad({ ...load, durationS: settings.warmupS });
  const fromUs = monotonicMicros();
  const before = sample([...benchPids]);
  const result = await runLoad({ ...load, durationS: settings.durationS });
  const after = sample([...benchPids]);
  const machineLoad = between(before, after);
  const cpu = pidCpuSeconds(before, after, hello.proc.pid);
  const toUs = monotonicMicros();
  return {
    id: 'hello-world',
    title: 'Bare Fastify hello-world (framework limit)',
    unit: 'request',
    connections: settings.connections,
    ops: result.ok,
    elapsedS: result.elapsedS,
    opsPerSec: result.ok / result.elapsedS,
    reqPerSec: result.responses / result.elapsedS,
    latency: result.latency,
    latencyOf: 'each HTTP request',
    successRate: result.successRate,
    statusCounts: result.statusCounts,
    ...(cpu !== undefined
      ? {
          serverCpu: {
            msPerOp: result.responses > 0 ? (cpu * 1000) / result.responses : 0,
            cores: cpu / result.elapsedS,
          },
        }
      : {}),
    boundBy:
      cpu !== undefined && cpu / result.elapsedS >= 0.8
        ? `server CPU (${(cpu / result.elapsedS).toFixed(2)} cores)`
        : `machine CPU (server ${((cpu ?? 0) / result.elapsedS).toFixed(2)}, load gen ${machineLoad?.loadGeneratorCores.toFixed(2) ?? '?'}, other ${machineLoad?.otherCores.toFixed(2) ?? '?'} cores)`,
    notes: [],
    window: { fromUs, toUs },
    ...(machineLoad ? { machineLoad } : {}),
  };
}

const pathRequest = (next: () => string): RequestSpec[] => [
  { method: 'GET', setupRequest: (req) => ({ ...req, path: next() }) },
];

/** 2. GET /api/products/:id, every active product in turn, all served from the Redis cache. */
export function productDetail(ctx: BenchContext): Promise<ScenarioResult> {
  const paths = ctx.catalog.productIds.map((id) => `/api/products/${id}`);
  return readScenario(ctx, {
    id: 'product-detail',
    title: 'Product detail (cache hit)',
    requests: pathRequest(cycle(paths)),
    prewarmPaths: paths,
  });
}

/** 3. GET /api/products: first pages of every category × sort (and unfiltered), cached pages. */
export function productList(ctx: BenchContext): Promise<ScenarioResult> {
  const paths = ctx.catalog.listQueries.map((q) => `/api/products?${q}`);
  return readScenario(ctx, {
    id: 'product-list',
    title: `Product list (${paths.length} page variants, cached)`,
    requests: pathRequest(cycle(paths)),
    prewarmPaths: paths,
  });
}

/** 4. GET /api/products/search?q=: a set of name/category queries, cached pages. */
export function search(ctx: BenchContext): Promise<ScenarioResult> {
  const paths = ctx.catalog.searchQueries.map((q) => `/api/products/search?q=${encodeURIComponent(q)}&limit=20`);
  return readScenario(ctx, {
    id: 'search',
    title: `Search (${paths.length} queries, cached)`,
    requests: pathRequest(cycle(paths)),
    prewarmPaths: paths,
  });
}
