/**
 * The capacity model behind `pnpm capacity`: per-operation costs measured by `pnpm bench`
 * (docs/benchmarks.json: CPU ms and MongoDB/Redis commands per operation, for the API and the worker)
 * times a traffic profile's rates give cores, replicas and datastore operations per second.
 * Pure functions over plain data, so the arithmetic is tested without running anything.
 */

export interface ProcessCost {
  cpuMsPerOp: number;
  mongoPerOp: number;
  redisPerOp: number;
  mongo: Record<string, number>;
}

export interface BenchScenario {
  id: string;
  title: string;
  api?: ProcessCost;
  worker?: ProcessCost;
  workerEmail?: ProcessCost;
}

export interface Benchmarks {
  generatedAt: string;
  machine: { cores: number; cpuModel: string; mongo: { kind: string; isStandIn: boolean }; redis: { version: string } };
  scenarios: BenchScenario[];
}

export interface Assumptions {
  catalogMix: Record<string, number>;
  catalogCacheHitRatio: number;
  catalogMissMongoCommands: number;
  catalogMissRedisCommands: number;
  targetCpuUtilisation: number;
  coresPerApiReplica: number;
  coresPerWorkerReplica: number;
  minApiReplicas: number;
  minWorkerReplicas: number;
  redisOpsPerSecondPerShard: number;
  webhooksAreCompletions: boolean;
}

export interface TrafficProfile {
  name: string;
  note?: string;
  catalogReadsPerSecond: number;
  cartWritesPerSecond: number;
  ordersPerSecond: number;
  webhooksPerSecond: number;
}

/** What one operation of the profile costs, and where the figure came from. */
export interface OperationCost {
  operation: 'catalog read' | 'cart write' | 'order' | 'webhook';
  scenarios: string[];
  apiCpuMs: number;
  workerCpuMs: number;
  mongo: number;
  mongoWrites: number;
  redis: number;
  /** Redis commands that land on the catalog's single hash slot (one shard on a Cluster). */
  catalogSlotRedis: number;
  /** True when a scenario that talks to MongoDB was measured against the offline stand-in. */
  standIn: boolean;
}

const READ_COMMANDS = new Set(['find', 'aggregate', 'count', 'countDocuments', 'distinct', 'getMore']);
const zero: ProcessCost = { cpuMsPerOp: 0, mongoPerOp: 0, redisPerOp: 0, mongo: {} };

function scenario(bench: Benchmarks, id: string): BenchScenario {
  const found = bench.scenarios.find((s) => s.id === id);
  if (!found) throw new Error(`docs/benchmarks.json has no scenario "${id}" (re-run pnpm bench)`);
  return found;
}

const writesOf = (cost: ProcessCost) =>
  Object.entries(cost.mongo)
    .filter(([command]) => !READ_COMMANDS.has(command))
    .reduce((sum, [, n]) => sum + n, 0);

/** The sum of a scenario's process costs (API + worker + email worker). */
function costOf(bench: Benchmarks, id: string, parts: ('api' | 'worker' | 'workerEmail')[]) {
  const s = scenario(bench, id);
  const picked = parts.map((part) => s[part] ?? zero);
  const api = parts.includes('api') ? (s.api ?? zero) : zero;
  const workers = picked.filter((p) => p !== api);
  const mongo = picked.reduce((sum, p) => sum + p.mongoPerOp, 0);
  return {
    apiCpuMs: api.cpuMsPerOp,
    workerCpuMs: workers.reduce((sum, p) => sum + p.cpuMsPerOp, 0),
    mongo,
    mongoWrites: picked.reduce((sum, p) => sum + writesOf(p), 0),
    redis: picked.reduce((sum, p) => sum + p.redisPerOp, 0),
    standIn: bench.machine.mongo.isStandIn && mongo > 0,
  };
}

/** Per-operation costs of the four operations a profile names. */
export function operationCosts(bench: Benchmarks, assumptions: Assumptions): OperationCost[] {
  // Catalog reads: the measured cache-hit paths, mixed; a miss adds a MongoDB read and a write-back.
  const mixTotal = Object.values(assumptions.catalogMix).reduce((a, b) => a + b, 0);
  const hit = Object.entries(assumptions.catalogMix).map(([id, weight]) => ({
    weight: weight / mixTotal,
    ...costOf(bench, id, ['api', 'worker']),
  }));
  const miss = 1 - assumptions.catalogCacheHitRatio;
  const catalog: OperationCost = {
    operation: 'catalog read',
    scenarios: Object.keys(assumptions.catalogMix),
    apiCpuMs: hit.reduce((sum, h) => sum + h.weight * h.apiCpuMs, 0),
    workerCpuMs: hit.reduce((sum, h) => sum + h.weight * h.workerCpuMs, 0),
    mongo: miss * assumptions.catalogMissMongoCommands,
    mongoWrites: 0,
    redis: hit.reduce((sum, h) => sum + h.weight * h.redis, 0) + miss * assumptions.catalogMissRedisCommands,
    // All of it is the catalog slot's: the catalog read script carries the catalog limit class's counters too
    // (docs/scaling.md), and write-backs go there. (Measured per read at the bench's load: reads of one event-loop
    // turn share a call, so a replica under less load makes more calls per read.)
    catalogSlotRedis: hit.reduce((sum, h) => sum + h.weight * h.redis, 0) + miss * assumptions.catalogMissRedisCommands,
    standIn: false,
  };
  const cart = costOf(bench, 'add-to-cart', ['api', 'worker']);
  const order = costOf(bench, 'order-checkout', ['api', 'worker']);
  const webhook = assumptions.webhooksAreCompletions
    ? costOf(bench, 'fulfilment', ['api', 'worker', 'workerEmail'])
    : costOf(bench, 'webhook-ingest', ['api', 'worker']);
  return [
    catalog,
    { operation: 'cart write', scenarios: ['add-to-cart'], ...cart, catalogSlotRedis: 2 },
    // An order holds stock: one catalog invalidation (MULTI of 5) on the catalog slot.
    { operation: 'order', scenarios: ['order-checkout'], ...order, catalogSlotRedis: 5 },
    // A paid order moves stock again: one more invalidation.
    {
      operation: 'webhook',
      scenarios: assumptions.webhooksAreCompletions ? ['fulfilment'] : ['webhook-ingest'],
      ...webhook,
      catalogSlotRedis: assumptions.webhooksAreCompletions ? 5 : 0,
    },
  ];
}

export interface CapacityPlan {
  profile: TrafficProfile;
  apiCores: number;
  workerCores: number;
  apiReplicas: number;
  workerReplicas: number;
  mongoOpsPerSecond: number;
  mongoWritesPerSecond: number;
  redisOpsPerSecond: number;
  catalogSlotRedisOpsPerSecond: number;
  redisShards: number;
  /** True when the catalog's one slot alone needs more than one shard can serve. */
  catalogSlotOverloaded: boolean;
  /** Share of the profile's API + worker CPU whose per-operation figure came from the stand-in. */
  standInCpuShare: number;
}

export function planFor(profile: TrafficProfile, costs: OperationCost[], assumptions: Assumptions): CapacityPlan {
  const rateOf: Record<OperationCost['operation'], number> = {
    'catalog read': profile.catalogReadsPerSecond,
    'cart write': profile.cartWritesPerSecond,
    order: profile.ordersPerSecond,
    webhook: profile.webhooksPerSecond,
  };
  const sum = (f: (c: OperationCost) => number) => costs.reduce((total, c) => total + rateOf[c.operation] * f(c), 0);
  const apiCores = sum((c) => c.apiCpuMs) / 1000;
  const workerCores = sum((c) => c.workerCpuMs) / 1000;
  const standInCores = sum((c) => (c.standIn ? c.apiCpuMs + c.workerCpuMs : 0)) / 1000;
  const replicas = (cores: number, perReplica: number, min: number) =>
    Math.max(min, Math.ceil(cores / (perReplica * assumptions.targetCpuUtilisation)));
  const redisOpsPerSecond = sum((c) => c.redis);
  const catalogSlotRedisOpsPerSecond = sum((c) => c.catalogSlotRedis);
  return {
    profile,
    apiCores,
    workerCores,
    apiReplicas: replicas(apiCores, assumptions.coresPerApiReplica, assumptions.minApiReplicas),
    workerReplicas: replicas(workerCores, assumptions.coresPerWorkerReplica, assumptions.minWorkerReplicas),
    mongoOpsPerSecond: sum((c) => c.mongo),
    mongoWritesPerSecond: sum((c) => c.mongoWrites),
    redisOpsPerSecond,
    catalogSlotRedisOpsPerSecond,
    redisShards: Math.max(1, Math.ceil(redisOpsPerSecond / assumptions.redisOpsPerSecondPerShard)),
    catalogSlotOverloaded: catalogSlotRedisOpsPerSecond > assumptions.redisOpsPerSecondPerShard,
    standInCpuShare: apiCores + workerCores > 0 ? standInCores / (apiCores + workerCores) : 0,
  };
}
