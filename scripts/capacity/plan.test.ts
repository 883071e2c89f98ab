import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { operationCosts, planFor, type Assumptions, type Benchmarks, type TrafficProfile } from './plan';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const bench = JSON.parse(read('docs/benchmarks.json')) as Benchmarks;
const { assumptions, profiles } = JSON.parse(read('scripts/capacity/traffic-profiles.json')) as {
  assumptions: Assumptions;
  profiles: TrafficProfile[];
};

const cost = (cpuMsPerOp: number, mongo: Record<string, number>, redisPerOp: number) => ({
  cpuMsPerOp,
  mongo,
  mongoPerOp: Object.values(mongo).reduce((a, b) => a + b, 0),
  redisPerOp,
});

/** A tiny benchmarks file with round numbers, so every figure of the plan can be checked by hand. */
const toy: Benchmarks = {
  generatedAt: '2026-01-01T00:00:00Z',
  machine: { cores: 2, cpuModel: 'test', mongo: { kind: 'jongodb', isStandIn: true }, redis: { version: '7' } },
  scenarios: [
    { id: 'product-detail', title: '', api: cost(0.2, {}, 2), worker: cost(0, {}, 0) },
    { id: 'add-to-cart', title: '', api: cost(2, { find: 2, update: 1 }, 5), worker: cost(0, {}, 0) },
    { id: 'order-checkout', title: '', api: cost(10, { find: 5, insert: 2, update: 4 }, 9), worker: cost(0, {}, 0) },
    {
      id: 'fulfilment',
      title: '',
      api: cost(5, { insert: 1, update: 1 }, 1),
      worker: cost(15, { find: 4, update: 5, commitTransaction: 1 }, 7),
      workerEmail: cost(3, { find: 1, update: 2 }, 1),
    },
  ],
};
const toyAssumptions: Assumptions = {
  ...assumptions,
  catalogMix: { 'product-detail': 1 },
  catalogCacheHitRatio: 0.9,
  targetCpuUtilisation: 0.5,
  minApiReplicas: 2,
  minWorkerReplicas: 2,
  redisOpsPerSecondPerShard: 10_000,
};

describe('capacity plan arithmetic', () => {
  it('cores, replicas and datastore operations follow from rate × cost', () => {
    const costs = operationCosts(toy, toyAssumptions);
    const plan = planFor(
      {
        name: 't',
        catalogReadsPerSecond: 10_000,
        cartWritesPerSecond: 100,
        ordersPerSecond: 10,
        webhooksPerSecond: 10,
      },
      costs,
      toyAssumptions,
    );
    // API: 10,000 × 0.2 + 100 × 2 + 10 × 10 + 10 × 5 = 2,350 ms/s; worker: 10 × (15 + 3) = 180 ms/s.
    expect(plan.apiCores).toBeCloseTo(2.35);
    expect(plan.workerCores).toBeCloseTo(0.18);
    expect(plan.apiReplicas).toBe(5); // 2.35 / 0.5 → 4.7 → 5
    expect(plan.workerReplicas).toBe(2); // the minimum
    // MongoDB: misses 10,000 × 0.1 × 1 + 100 × 3 + 10 × 11 + 10 × (2 + 10 + 3) = 1,560; writes 100 + 60 + 10 × (2 + 6 + 2) = 260.
    expect(plan.mongoOpsPerSecond).toBeCloseTo(1_560);
    expect(plan.mongoWritesPerSecond).toBeCloseTo(260);
    // Redis: 10,000 × (2 + 0.1) + 100 × 5 + 10 × 9 + 10 × 9 = 21,680 → 3 shards of 10,000.
    expect(plan.redisOpsPerSecond).toBeCloseTo(21_680);
    expect(plan.redisShards).toBe(3);
    // The catalog slot (catalog reads' counters included): 10,000 × (2 + 0.1) + 100 × 2 + 10 × 5 + 10 × 5 = 21,300.
    expect(plan.catalogSlotRedisOpsPerSecond).toBeCloseTo(21_300);
    expect(plan.catalogSlotOverloaded).toBe(true);
    // Only the MongoDB paths rest on stand-in CPU figures: (200 + 100 + 50 + 180) / 2,530.
    expect(plan.standInCpuShare).toBeCloseTo(530 / 2_530);
  });

  it('the flash-sale overlay in infra/k8s covers the plan computed from docs/benchmarks.json', () => {
    const flash = profiles.find((p) => p.name === 'flash sale')!;
    expect(flash).toMatchObject({
      catalogReadsPerSecond: 50_000,
      cartWritesPerSecond: 2_000,
      ordersPerSecond: 500,
      webhooksPerSecond: 500,
    });
    const plan = planFor(flash, operationCosts(bench, assumptions), assumptions);
    const overlay = read('infra/k8s/overlays/flash-sale/kustomization.yaml');
    const replicasOf = (hpa: string) => {
      const block = overlay.slice(overlay.indexOf(`name: ${hpa}`));
      return {
        min: Number(/minReplicas\s+value: (\d+)/.exec(block)?.[1]),
        max: Number(/maxReplicas\s+value: (\d+)/.exec(block)?.[1]),
      };
    };
    const api = replicasOf('simple-shop-api');
    const worker = replicasOf('simple-shop-worker');
    expect(api.max).toBeGreaterThanOrEqual(plan.apiReplicas);
    expect(worker.max).toBeGreaterThanOrEqual(plan.workerReplicas);
    expect(api.min).toBeLessThanOrEqual(api.max);
    expect(worker.min).toBeLessThanOrEqual(worker.max);
    // docs/scaling.md carries the same numbers (regenerate with pnpm capacity --write).
    expect(read('docs/scaling.md')).toMatch(new RegExp(`\\|\\s+\\*\\*${plan.apiReplicas}\\*\\*\\s+\\|`));
  });
});
