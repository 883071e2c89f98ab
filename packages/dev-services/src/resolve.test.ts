import { describe, expect, it } from 'vitest';
import { startJongodb } from './mongo/jongodb';
import { findSystemMongod } from './mongo/memory-server';
import { resolveMongo } from './mongo/resolve-mongo';
import { containerRuntimeHint } from './mongo/testcontainers';
import { pingRedis } from './redis/ping';
import { resolveRedis } from './redis/resolve-redis';
import { redactUri } from './uri';

describe('resolveMongo', () => {
  it("uses MONGODB_URI as 'env' and detects the stand-in behind it", async () => {
    const server = await startJongodb();
    const lines: string[] = [];
    try {
      const resolved = await resolveMongo({ env: { MONGODB_URI: server.uri }, log: (l) => lines.push(l) });
      expect(resolved.kind).toBe('env');
      expect(resolved.uri).toBe(server.uri);
      expect(resolved.isStandIn).toBe(true);
      expect(resolved.description).toContain('jongodb');
      expect(lines.join('\n')).toMatch(/MongoDB: using MONGODB_URI/);
      await resolved.stop(); // does not stop a server it did not start
      expect(() => process.kill(server.pid, 0)).not.toThrow();
    } finally {
      await server.stop();
    }
  });

  const canFallThrough = !containerRuntimeHint(process.env) && !findSystemMongod({ PATH: process.env.PATH });
  it.skipIf(!canFallThrough)('falls through to jongodb and logs why the others were skipped', async () => {
    const lines: string[] = [];
    const resolved = await resolveMongo({ env: { PATH: process.env.PATH }, log: (l) => lines.push(l) });
    try {
      expect(resolved.kind).toBe('jongodb');
      expect(resolved.isStandIn).toBe(true);
      const log = lines.join('\n');
      expect(log).toMatch(/skipped testcontainers: no container runtime/);
      expect(log).toMatch(/skipped mongodb-memory-server: no mongod binary/);
      expect(log).toMatch(/MongoDB: using jongodb at mongodb:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await resolved.stop();
    }
  });
});

describe('resolveRedis', () => {
  it("uses REDIS_URL as 'env'", async () => {
    const lines: string[] = [];
    const resolved = await resolveRedis({
      env: { REDIS_URL: 'redis://user:hunter2@127.0.0.1:6390/2' },
      log: (l) => lines.push(l),
    });
    expect(resolved.kind).toBe('env');
    expect(resolved.url).toBe('redis://user:hunter2@127.0.0.1:6390/2');
    expect(lines.join('\n')).not.toContain('hunter2');
    await resolved.stop();
  });

  it('leaves Sentinel and Cluster variables to the processes: nothing resolved or started', async () => {
    for (const env of [
      { REDIS_CLUSTER_NODES: '127.0.0.1:7001,127.0.0.1:7002' },
      { REDIS_SENTINELS: '127.0.0.1:26379', REDIS_SENTINEL_NAME: 'shop' },
    ]) {
      const lines: string[] = [];
      const resolved = await resolveRedis({ env, log: (l) => lines.push(l) });
      expect(resolved.kind).toBe('env');
      expect(resolved.url).toBe('');
      expect(lines.join('\n')).toMatch(/as given.*no local Redis/);
    }
  });

  it("uses the local Redis at 127.0.0.1:6379 as 'local', else spawns one", async () => {
    const localUp = (await pingRedis('127.0.0.1', 6379)).ok;
    const resolved = await resolveRedis({ env: { PATH: process.env.PATH }, log: () => undefined });
    try {
      expect(resolved.kind).toBe(localUp ? 'local' : 'spawned');
      expect((await pingRedis('127.0.0.1', Number(new URL(resolved.url).port))).ok).toBe(true);
    } finally {
      await resolved.stop();
    }
  });
});

describe('redactUri', () => {
  it('hides passwords only', () => {
    expect(redactUri('mongodb://u:p%40ss@h:1/?x=1')).toBe('mongodb://u:***@h:1/?x=1');
    expect(redactUri('redis://h:6379')).toBe('redis://h:6379');
    expect(redactUri('redis://:secret@h:6379')).toBe('redis://:***@h:6379');
  });
});
