/**
 * The short soak for CI: ~35 s of mixed traffic against real API and worker processes while the
 * chaos loop SIGKILLs a worker, restarts Redis (losing its data) and makes Stripe deliver
 * duplicate, reordered, delayed and re-sent webhooks; then convergence and every invariant of
 * the full soak (`pnpm soak`, see docs/reliability.md).
 *
 * On the jongodb stand-in the processes reach MongoDB through soak/mongo-tx-proxy.ts, which gives
 * transactions the isolation a real replica set has (the stand-in erases plain writes that
 * overlap a transaction: soak/standin-overlap.ts). With a real MongoDB they connect directly.
 * SOAK_DURATION_MS and SOAK_SEED override the defaults.
 */
import { testDeps } from '@simple-shop/testing';
import { expect, it } from 'vitest';
import { chaosTimeline, formatSummary } from './report';
import { runSoak } from './soak';

it('mixed traffic under chaos converges and every invariant holds', async () => {
  const deps = testDeps();
  const result = await runSoak({
    mongoUri: deps.mongoUri,
    mongoKind: deps.mongoKind,
    mongoIsStandIn: deps.mongoIsStandIn,
    isolateTransactions: deps.mongoIsStandIn,
    durationMs: Number(process.env.SOAK_DURATION_MS ?? 35_000),
    seed: Number(process.env.SOAK_SEED ?? 20_251_126),
    virtualUsers: 6,
    workers: 2,
    maxOrders: 800,
    // Enough orders whatever the machine's load (the run goes on past 35 s until there are).
    minOrders: 60,
    chaosIntervalMs: [3000, 5000],
    // Bounded by progress, not by a total: a loaded CI machine is slow, not stuck (docs/reliability.md).
    convergeStallMs: 120_000,
    convergeTimeoutMs: 600_000,
    log: (line) => console.log(line),
  });
  console.log(`${formatSummary(result)}\n\nChaos timeline:\n${chaosTimeline(result)}`);

  // The run exercised what it claims to.
  expect(result.chaosCounts.killWorker ?? 0).toBeGreaterThanOrEqual(1);
  expect(result.chaosCounts.restartRedis ?? 0).toBeGreaterThanOrEqual(1);
  expect(result.chaosCounts.duplicates ?? 0).toBeGreaterThanOrEqual(1);
  expect(result.chaosCounts.reorder ?? 0).toBeGreaterThanOrEqual(1);
  expect(result.ledger.orders.size).toBeGreaterThan(50);
  expect(result.stripe.paid).toBeGreaterThan(20);
  // The proxy aborted only transactions whose process was gone (never a live, merely slow one).
  if (result.proxy) expect(result.proxy.abandonedButAlive).toBe(0);

  const failed = result.invariants
    .filter((i) => !i.ok)
    .map((i) => `${i.name} (${i.failureCount}): ${i.failures.slice(0, 3).join(' | ')}`);
  expect(failed).toEqual([]);
}, 1_200_000);
