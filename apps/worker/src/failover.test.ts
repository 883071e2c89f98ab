/**
 * The worker through a MongoDB outage: a job that runs while no primary can be selected fails
 * that attempt and BullMQ schedules a retry (it is not failed for good); once MongoDB is back the
 * retry succeeds. The database is a stand-in process this file owns, stopped and restarted on the
 * same port; real BullMQ on real Redis.
 */
import { createLogger } from '@simple-shop/observability';
import { freePort, startJongodb, testConfig, waitFor, type StartedJongodb } from '@simple-shop/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWorkerDependencies, type WorkerDependencies } from './deps';
import { workerMetricSources } from './metric-sources';
import { createWorkerMetrics } from './metrics';
import { startWorkers, type RunningWorkers } from './worker';

let port: number;
let mongo: StartedJongodb | undefined;
let deps: WorkerDependencies;
let running: RunningWorkers;

beforeAll(async () => {
  port = await freePort();
  mongo = await startJongodb({ port });
  const config = testConfig({
    MONGODB_URI: mongo.uri,
    MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300',
    JOB_ATTEMPTS: '30',
    JOB_BACKOFF_MS: '100',
  });
  deps = await createWorkerDependencies(config, createLogger({ service: 'worker', level: 'silent' }));
  running = startWorkers(deps, createWorkerMetrics(workerMetricSources(deps)));
});
afterAll(async () => {
  await running?.close();
  await deps?.close();
  await mongo?.stop();
});

it('a job that meets a MongoDB outage is retried by BullMQ and completes once MongoDB is back', async () => {
  await mongo!.stop();
  mongo = undefined;
  const job = await deps.queues.maintenance.add('reconcile', {
    task: 'reconcile',
    requestedAt: new Date().toISOString(),
  });

  const retrying = await waitFor(
    async () => {
      const current = await deps.queues.maintenance.queue.getJob(String(job.id));
      if (!current || current.attemptsMade < 1) throw new Error('no attempt has failed yet');
      return current;
    },
    { timeoutMs: 30_000 },
  );
  expect(['delayed', 'waiting', 'active']).toContain(await retrying.getState());
  expect(retrying.failedReason).toMatch(/Server selection timed out|connect ECONNREFUSED|closed/i);

  mongo = await startJongodb({ port });
  await waitFor(async () => expect(await job.getState()).toBe('completed'), { timeoutMs: 60_000 });
  const done = await deps.queues.maintenance.queue.getJob(String(job.id));
  expect(done!.attemptsMade).toBeGreaterThanOrEqual(2);
});
