import { bullPrefix, createQueue, createRedis, maintenanceQueue } from '@simple-shop/queue';
import { spawnProcess, testEnv, waitFor } from '@simple-shop/testing';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The worker as a real process on real Redis: a job queued by a producer is processed, the
 * HTTP endpoint reports it, and SIGTERM lets it finish cleanly with exit code 0.
 */
describe('worker process', () => {
  const env = testEnv({ LOG_LEVEL: 'info', WORKER_PORT: '0' });
  const producer = createRedis(env.REDIS_URL!, 'producer', 'worker-test');
  const queue = createQueue(
    maintenanceQueue({ attempts: 3, backoffMs: 50 }),
    producer,
    bullPrefix(env.REDIS_KEY_PREFIX!),
  );

  afterAll(async () => {
    await queue.queue.obliterate({ force: true }).catch(() => undefined);
    await queue.queue.close();
    producer.disconnect();
  });

  it('processes a job end to end and shuts down cleanly on SIGTERM', async () => {
    const worker = spawnProcess('apps/worker/src/main.ts', env);
    try {
      const listening = await worker.waitForLine(/worker http listening/, 20_000);
      const port = Number(/"address":"http:\/\/[^"]*:(\d+)"/.exec(listening)?.[1]);
      expect(port).toBeGreaterThan(0);

      const job = await queue.add('heartbeat', {
        task: 'heartbeat',
        requestedAt: new Date().toISOString(),
        correlationId: 'e2e-1',
      });
      await waitFor(async () => expect(await job.getState()).toBe('completed'), { timeoutMs: 10_000 });
      const done = await queue.queue.getJob(String(job.id));
      expect(done?.returnvalue).toMatchObject({ processedAt: expect.any(String), lagMs: expect.any(Number) });
      await worker.waitForLine(/"correlationId":"e2e-1".*heartbeat processed/, 5000);

      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      // (the scheduled reconciliation also runs on the maintenance queue, so at least one)
      expect(metrics).toMatch(/jobs_processed_total\{queue="maintenance",outcome="completed",service="worker"\} [1-9]/);
      const deep = await fetch(`http://127.0.0.1:${port}/health/deep`);
      expect(deep.status).toBe(200);

      worker.kill('SIGTERM');
      const exit = await worker.exited;
      expect(exit.code).toBe(0);
      expect(worker.output()).toMatch(/worker stopped cleanly/);
    } finally {
      await worker.stop();
    }
  });
});
