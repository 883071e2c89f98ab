import type { Assumptions, Benchmarks, CapacityPlan, OperationCost } from './plan';

const n = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The plan as the Markdown tables docs/scaling.md carries (also what the command prints). */
export function renderMarkdown(
  bench: Benchmarks,
  assumptions: Assumptions,
  costs: OperationCost[],
  plans: CapacityPlan[],
): string {
  const lines: string[] = [];
  lines.push(
    `Per-operation costs from \`docs/benchmarks.json\` (${bench.generatedAt.slice(0, 10)}, ${bench.machine.cores} × ${bench.machine.cpuModel}, ` +
      `MongoDB: ${bench.machine.mongo.kind}${bench.machine.mongo.isStandIn ? ' (offline stand-in)' : ''}, Redis ${bench.machine.redis.version}).`,
    '',
    '| operation | measured in | API CPU ms | worker CPU ms | MongoDB cmds | Redis cmds | on the catalog slot | source |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const c of costs) {
    lines.push(
      `| ${c.operation} | ${c.scenarios.join(', ')} | ${n(c.apiCpuMs, 2)} | ${n(c.workerCpuMs, 2)} | ${n(c.mongo, 2)} | ${n(c.redis, 2)} | ${n(c.catalogSlotRedis, 2)} | ` +
        `${c.standIn ? '**stand-in**: command counts hold; CPU needs a real-server run' : 'measured, server-independent (no MongoDB on the path)'} |`,
    );
  }
  lines.push(
    '',
    '| profile | catalog reads/s | cart writes/s | orders/s | webhooks/s | API cores | API replicas | worker cores | worker replicas | MongoDB ops/s (writes) | Redis ops/s | catalog-slot Redis ops/s | Redis shards |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const p of plans) {
    const f = p.profile;
    lines.push(
      `| ${f.name} | ${n(f.catalogReadsPerSecond)} | ${n(f.cartWritesPerSecond)} | ${n(f.ordersPerSecond)} | ${n(f.webhooksPerSecond)} | ` +
        `${n(p.apiCores, 1)} | **${p.apiReplicas}** | ${n(p.workerCores, 1)} | **${p.workerReplicas}** | ` +
        `**${n(p.mongoOpsPerSecond)}** (${n(p.mongoWritesPerSecond)}) | **${n(p.redisOpsPerSecond)}** | ${n(p.catalogSlotRedisOpsPerSecond)}${p.catalogSlotOverloaded ? ' ⚠' : ''} | ${p.redisShards} |`,
    );
  }
  lines.push(
    '',
    'Assumptions (scripts/capacity/traffic-profiles.json): ' +
      [
        `catalog mix ${Object.entries(assumptions.catalogMix)
          .map(([id, w]) => `${id} ${Math.round(w * 100)} %`)
          .join(', ')}`,
        `cache hit ratio ${Math.round(assumptions.catalogCacheHitRatio * 100)} % (a miss: ${assumptions.catalogMissMongoCommands} MongoDB read + ${assumptions.catalogMissRedisCommands} Redis write-back; its extra CPU is not modelled)`,
        `replicas sized to ${Math.round(assumptions.targetCpuUtilisation * 100)} % CPU of ${assumptions.coresPerApiReplica} core (API) / ${assumptions.coresPerWorkerReplica} core (worker), at least ${assumptions.minApiReplicas} / ${assumptions.minWorkerReplicas}`,
        `${n(assumptions.redisOpsPerSecondPerShard)} Redis ops/s per shard`,
        assumptions.webhooksAreCompletions
          ? 'every webhook is a completed checkout (fulfilment + confirmation email: the expensive case)'
          : 'webhooks are ingested only',
      ].join('; ') +
      '.',
  );
  for (const p of plans) {
    lines.push(
      '',
      `- ${p.profile.name}: ${Math.round(p.standInCpuShare * 100)} % of the CPU figure rests on per-operation CPU measured against the stand-in.` +
        (p.catalogSlotOverloaded
          ? ` ⚠ The catalog's hash slot alone needs ${n(p.catalogSlotRedisOpsPerSecond)} ops/s, more than one shard's ${n(assumptions.redisOpsPerSecondPerShard)}: adding shards does not help it (see "Redis Cluster: the catalog slot").`
          : ''),
    );
  }
  return lines.join('\n');
}
