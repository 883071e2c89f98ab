import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { pingRedis } from './ping';
import { startRedisServer, type StartedRedisServer } from './redis-server';

describe('startRedisServer', () => {
  const started: StartedRedisServer[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  it('starts, stops and restarts on the same port', async () => {
    const first = await startRedisServer();
    started.push(first);
    expect(first.url).toBe(`redis://127.0.0.1:${first.port}`);

    const client = new Redis(first.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await client.connect();
      expect(await client.ping()).toBe('PONG');
      await client.set('k', 'v');
    } finally {
      client.disconnect();
    }

    await first.stop();
    expect((await pingRedis('127.0.0.1', first.port, 300)).ok).toBe(false);

    const second = await startRedisServer({ port: first.port });
    started.push(second);
    expect(second.port).toBe(first.port);
    expect(second.pid).not.toBe(first.pid);
    const again = new Redis(second.url, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await again.connect();
      expect(await again.ping()).toBe('PONG');
      expect(await again.get('k')).toBeNull(); // throwaway: nothing persisted
    } finally {
      again.disconnect();
    }
  });

  it('starting on a port it is already running on restarts it', async () => {
    const a = await startRedisServer();
    started.push(a);
    const b = await startRedisServer({ port: a.port });
    started.push(b);
    expect(b.pid).not.toBe(a.pid);
    expect(() => process.kill(a.pid, 0)).toThrow();
    expect((await pingRedis('127.0.0.1', b.port)).ok).toBe(true);
  });
});
