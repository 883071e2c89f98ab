import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeRedisTopology, loadConfig, parseRedisTopology } from './index';

const base = { MONGODB_URI: 'mongodb://127.0.0.1:27017/?replicaSet=rs0', JWT_SECRET: 's'.repeat(40) };
const problemsOf = (env: Record<string, string>) => parseRedisTopology(env).problems.map((p) => p.variable);

describe('Redis topology from the environment', () => {
  it('a plain URL is a single server; rediss:// turns TLS on', () => {
    expect(parseRedisTopology({ REDIS_URL: 'redis://h:6379' }).topology).toEqual({
      kind: 'single',
      url: 'redis://h:6379',
    });
    expect(parseRedisTopology({ REDIS_URL: 'rediss://h:6380' }).topology).toEqual({
      kind: 'single',
      url: 'rediss://h:6380',
      tls: {},
    });
  });

  it('REDIS_SENTINELS + REDIS_SENTINEL_NAME, each one needing the other', () => {
    const { topology } = parseRedisTopology({
      REDIS_SENTINELS: '10.0.0.1:26379, [::1]:26380',
      REDIS_SENTINEL_NAME: 'shop',
      REDIS_PASSWORD: 'pw',
      REDIS_URL: 'redis://ignored:6379',
    });
    expect(topology).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'shop',
      db: 0,
      auth: { password: 'pw' },
    });
    expect(problemsOf({ REDIS_SENTINELS: 'a:1' })).toEqual(['REDIS_SENTINEL_NAME']);
    expect(problemsOf({ REDIS_SENTINEL_NAME: 'shop' })).toEqual(['REDIS_SENTINELS']);
    expect(problemsOf({ REDIS_SENTINELS: 'a', REDIS_SENTINEL_NAME: 'shop' })).toEqual(['REDIS_SENTINELS']);
  });

  it('a redis+sentinel:// URL carries sentinels, group, db and credentials', () => {
    const { topology } = parseRedisTopology({ REDIS_URL: 'rediss+sentinel://app:p%40ss@s1:26379,s2:26379/shop/2' });
    expect(topology).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'shop',
      db: 2,
      auth: { username: 'app', password: 'p@ss' },
      tls: {},
    });
    expect(problemsOf({ REDIS_URL: 'redis+sentinel://s1:26379' })).toEqual(['REDIS_URL']);
  });

  it('REDIS_CLUSTER_NODES wins over the others; a malformed list is named', () => {
    const { topology } = parseRedisTopology({
      REDIS_CLUSTER_NODES: '127.0.0.1:7001,127.0.0.1:7002',
      REDIS_SENTINELS: 'a:1',
      REDIS_SENTINEL_NAME: 'x',
      REDIS_TLS: 'true',
      REDIS_TLS_SERVERNAME: 'redis.internal',
    });
    expect(topology).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7001 },
        { host: '127.0.0.1', port: 7002 },
      ],
      auth: {},
      tls: { servername: 'redis.internal' },
    });
    expect(describeRedisTopology(topology!)).toBe('cluster seeded from 127.0.0.1:7001,127.0.0.1:7002 over TLS');
    for (const bad of ['127.0.0.1', 'h:0', 'h:70000', ',', 'h:1,,x']) {
      expect(problemsOf({ REDIS_CLUSTER_NODES: bad }), bad).toEqual(['REDIS_CLUSTER_NODES']);
    }
  });

  it('TLS options: the CA file must be readable, and TLS must be on to use them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'redis-ca-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'pem');
    expect(parseRedisTopology({ REDIS_URL: 'rediss://h:6380', REDIS_TLS_CA_FILE: ca }).topology?.tls).toEqual({
      caFile: ca,
    });
    expect(problemsOf({ REDIS_URL: 'rediss://h:6380', REDIS_TLS_CA_FILE: join(dir, 'missing.pem') })).toEqual([
      'REDIS_TLS_CA_FILE',
    ]);
    expect(problemsOf({ REDIS_URL: 'redis://h:6379', REDIS_TLS_CA_FILE: ca })).toEqual(['REDIS_TLS_CA_FILE']);
    expect(problemsOf({ REDIS_URL: 'redis://h:6379', REDIS_TLS: 'yes' })).toEqual(['REDIS_TLS']);
  });

  it('loadConfig names the bad Redis variable without echoing its value, and needs some topology', () => {
    try {
      loadConfig({ ...base, REDIS_CLUSTER_NODES: 'secret-host' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((p) => p.variable)).toEqual(['REDIS_CLUSTER_NODES']);
      expect((error as Error).message).not.toMatch(/secret-host/);
    }
    expect(() => loadConfig(base)).toThrow(/REDIS_URL/);
    expect(loadConfig({ ...base, REDIS_CLUSTER_NODES: 'h:7000' }).redis.kind).toBe('cluster');
    expect(loadConfig({ ...base, REDIS_URL: 'redis://h:1' }).MONGODB_CATALOG_READ_PREFERENCE).toBe('primary');
  });
});
