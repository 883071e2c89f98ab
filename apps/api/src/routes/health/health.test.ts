import { startRedisServer, waitFor } from '@simple-shop/testing';
import { describe, expect, it } from 'vitest';
import { buildTestApp, startTestStripe } from '../../app.test-support';

describe('GET /health', () => {
  it('answers ok without touching dependencies', async () => {
    const app = await buildTestApp();
    try {
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok', timestamp: expect.any(String) });
    } finally {
      await app.close();
    }
  });
});

describe('GET /health/deep', () => {
  it('is healthy with MongoDB, Redis and the queue up', async () => {
    const app = await buildTestApp();
    try {
      const res = await app.inject({ method: 'GET', url: '/health/deep' });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.status).toBe('healthy');
      expect(body.checks.database.status).toBe('up');
      expect(body.checks.redis.status).toBe('up');
      expect(body.checks.queue.status).toBe('up');
      expect(body.checks.stripe.required).toBe(false);
      expect(typeof body.uptime).toBe('number');
    } finally {
      await app.close();
    }
  });

  it('answers 503 when Redis is unreachable', async () => {
    // A port nobody listens on: the app must still start, and report Redis down.
    const app = await buildTestApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const res = await app.inject({ method: 'GET', url: '/health/deep' });
      expect(res.statusCode).toBe(503);
      const body = res.json();
      expect(body.status).toBe('unhealthy');
      expect(body.checks.redis.status).toBe('down');
      expect(body.checks.database.status).toBe('up');
      // Liveness is unaffected.
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('goes 200 → 503 → 200 as a running Redis is stopped and restarted', async () => {
    const redis = await startRedisServer();
    const app = await buildTestApp({ REDIS_URL: redis.url });
    try {
      expect((await app.inject({ method: 'GET', url: '/health/deep' })).statusCode).toBe(200);
      await redis.stop();
      const down = await app.inject({ method: 'GET', url: '/health/deep' });
      expect(down.statusCode).toBe(503);
      expect(down.json().checks.redis.status).toBe('down');
      const again = await startRedisServer({ port: redis.port });
      try {
        // ioredis reconnects with backoff; readiness recovers without a restart.
        let status = 0;
        for (let i = 0; i < 50 && status !== 200; i += 1) {
          await new Promise((r) => setTimeout(r, 200));
          status = (await app.inject({ method: 'GET', url: '/health/deep' })).statusCode;
        }
        expect(status).toBe(200);
      } finally {
        await again.stop();
      }
    } finally {
      await app.close();
      await redis.stop();
    }
  });
});

describe('GET /health/deep after Redis stalled at start-up', () => {
  // A stopped (SIGSTOP) redis-server still completes TCP handshakes (the kernel queues them), so the API
  // connects, and every command it sends times out after the producer's commandTimeout: what a Redis
  // starved of CPU does to a replica starting on a loaded machine. BullMQ's queue set-up sends INFO
  // then; it used to keep that failure forever ("queue: Command timed out") while PING worked again.
  it('turns ready by itself once the paused Redis answers again, without a restart', async () => {
    const redis = await startRedisServer();
    let paused = true;
    process.kill(redis.pid, 'SIGSTOP');
    const app = await buildTestApp({ REDIS_URL: redis.url }).catch(async (error: unknown) => {
      process.kill(redis.pid, 'SIGCONT');
      await redis.stop();
      throw error;
    });
    try {
      // A command sent after start-up timed out, so every command sent during start-up (the queue's) has too.
      await expect(app.deps.redis.ping()).rejects.toThrow('Command timed out');
      const stalled = await app.inject({ method: 'GET', url: '/health/deep' });
      expect(stalled.statusCode).toBe(503);
      expect(stalled.json().checks.redis.status).toBe('down');

      process.kill(redis.pid, 'SIGCONT');
      paused = false;
      const ready = await waitFor(
        async () => {
          const res = await app.inject({ method: 'GET', url: '/health/deep' });
          expect(res.json().checks).toMatchObject({ redis: { status: 'up' }, queue: { status: 'up' } });
          return res;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(ready.statusCode).toBe(200);
      expect(ready.json().status).toBe('healthy');
      // The queue works, not only its probe: a job is added and counted.
      const job = await app.deps.queues.maintenance.add('heartbeat', {
        task: 'heartbeat',
        requestedAt: new Date().toISOString(),
      });
      expect(await app.deps.queues.maintenance.queue.getJobState(job.id!)).toMatch(/^(waiting|delayed|prioritized)$/);
    } finally {
      if (paused) process.kill(redis.pid, 'SIGCONT');
      await app.close();
      await redis.stop();
    }
  }, 60_000);
});

describe('GET /health/deep and Stripe', () => {
  it('reports Stripe up when it answers, and only degraded (200) when it does not', async () => {
    const stripe = await startTestStripe();
    const app = await buildTestApp(stripe.env);
    try {
      const up = await app.inject({ method: 'GET', url: '/health/deep' });
      expect(up.statusCode).toBe(200);
      expect(up.json().checks.stripe.status).toBe('up');
      expect(up.json().status).toBe('healthy');
    } finally {
      await app.close();
    }
    await stripe.sim.close();
    const orphan = await buildTestApp(stripe.env);
    try {
      const down = await orphan.inject({ method: 'GET', url: '/health/deep' });
      expect(down.statusCode).toBe(200);
      expect(down.json().status).toBe('degraded');
      expect(down.json().checks.stripe).toMatchObject({ status: 'down', required: false });
    } finally {
      await orphan.close();
    }
  });

  it('skips Stripe when payments are not configured', async () => {
    const app = await buildTestApp();
    try {
      const res = await app.inject({ method: 'GET', url: '/health/deep' });
      expect(res.json().checks.stripe).toMatchObject({ status: 'skipped', required: false });
    } finally {
      await app.close();
    }
  });
});
