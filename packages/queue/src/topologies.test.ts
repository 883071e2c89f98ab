import type { RedisTopology } from '@simple-shop/config';
import {
  createTestCertificates,
  freePort,
  scratchDir,
  spawnRedisProcess,
  startRedisCluster,
  startRedisSentinelGroup,
  tlsServerArgs,
  type StartedRedisCluster,
  type StartedRedisSentinelGroup,
  type TlsFiles,
} from '@simple-shop/dev-services';
import { Cluster } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, createRedis, waitForRedis, type Redis } from './connection';
import { createQueue, createWorker } from './queues';
import { maintenanceQueue } from './definitions';

/**
 * The connection factory against real topologies started here on loopback: a 3-master Cluster, a
 * Sentinel group, and TLS servers with a CA generated for the run. The product flows on these
 * topologies are tested in apps/api (cluster) and apps/worker (Sentinel failover).
 */
const clients: Redis[] = [];
const stops: (() => Promise<void> | void)[] = [];
let certificates: TlsFiles;

function client(topology: RedisTopology, role: 'producer' | 'worker' = 'producer'): Redis {
  const redis = createRedis(topology, role, 'topologies-test');
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
}

async function ready(redis: Redis): Promise<Redis> {
  expect(await waitForRedis(redis, 15_000)).toBe(true);
  return redis;
}

beforeAll(async () => {
  const dir = scratchDir('tls-test');
  stops.push(dir.remove);
  certificates = await createTestCertificates(dir.path);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.quit()));
  for (const stop of stops.reverse()) await stop();
});

/** A BullMQ job added and processed through `redis`, with the product's prefix (a hash tag). */
async function jobRoundTrip(producer: Redis, worker: Redis): Promise<void> {
  const prefix = bullPrefix(`topo-${randomUUID().slice(0, 8)}`);
  const def = maintenanceQueue({ attempts: 1, backoffMs: 10 });
  const queue = createQueue(def, producer, prefix);
  const done = new Promise<string>((resolve) => {
    const w = createWorker(def, async (job) => job.data.task, worker, { prefix, concurrency: 1 });
    w.on('completed', (_job, result) => {
      resolve(result);
      void w.close();
    });
  });
  await queue.add('heartbeat', { task: 'heartbeat', requestedAt: new Date().toISOString() });
  expect(await done).toBe('heartbeat');
  await queue.queue.obliterate({ force: true });
  await queue.queue.close();
}

describe('Redis Cluster (3 masters)', () => {
  let cluster: StartedRedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster();
    stops.push(cluster.stop);
  });

  it('builds a Cluster client that spreads keys over the masters and runs BullMQ with the hash-tagged prefix', async () => {
    const topology: RedisTopology = { kind: 'cluster', nodes: cluster.nodes.slice(0, 1), auth: {} };
    const redis = await ready(client(topology));
    expect(redis).toBeInstanceOf(Cluster);
    const keys = Array.from({ length: 30 }, (_, i) => `topo:k${i}`);
    await Promise.all(keys.map((k) => redis.set(k, k)));
    expect(await Promise.all(keys.map((k) => redis.get(k)))).toEqual(keys);
    // The seed named one node; the client found all three and the keys landed on more than one.
    const masters = (redis as Cluster).nodes('master');
    expect(masters).toHaveLength(3);
    const perNode = await Promise.all(masters.map((node) => node.dbsize()));
    expect(perNode.filter((n) => n > 0).length).toBeGreaterThan(1);

    await jobRoundTrip(redis, await ready(client(topology, 'worker')));
  });

  it('keys without a shared hash tag cannot meet in one script on a cluster (so the tag is load-bearing)', async () => {
    const redis = await ready(client({ kind: 'cluster', nodes: cluster.nodes, auth: {} }));
    await expect(redis.eval("return redis.call('GET', KEYS[2])", 2, 'topo:a:1', 'topo:b:2')).rejects.toThrow(
      /CROSSSLOT|same slot/,
    );
    await expect(
      redis.eval("return redis.call('GET', KEYS[2])", 2, '{topo:bull}:a:1', '{topo:bull}:b:2'),
    ).resolves.toBeNull();
  });
});

describe('Redis Sentinel (primary, replica, 3 sentinels)', () => {
  let group: StartedRedisSentinelGroup;
  beforeAll(async () => {
    group = await startRedisSentinelGroup();
    stops.push(group.stop);
  });

  it('finds the primary through the sentinels and runs BullMQ on it', async () => {
    const redis = await ready(
      client({ kind: 'sentinel', sentinels: group.sentinels, name: group.name, db: 0, auth: {} }),
    );
    await redis.set('topo:sentinel', 'yes');
    expect(await redis.get('topo:sentinel')).toBe('yes');
    const port = await group.currentPrimaryPort();
    expect((redis as unknown as { stream: { remotePort: number } }).stream.remotePort).toBe(port);
    await jobRoundTrip(
      redis,
      await ready(
        client({ kind: 'sentinel', sentinels: group.sentinels, name: group.name, db: 0, auth: {} }, 'worker'),
      ),
    );
  });
});

describe('TLS (rediss://) with a CA generated for this run', () => {
  it('a single server: verifies the certificate against REDIS_TLS_CA_FILE and the server name', async () => {
    const dir = scratchDir('tls-single');
    stops.push(dir.remove);
    const tlsPort = await freePort();
    const { proc } = await spawnRedisProcess({
      name: 'redis tls',
      dir: dir.path,
      extraArgs: () => tlsServerArgs(certificates, tlsPort),
    });
    stops.push(() => proc.stop());
    const url = `rediss://127.0.0.1:${tlsPort}`;
    const redis = await ready(
      client({ kind: 'single', url, tls: { caFile: certificates.caFile, servername: certificates.servername } }),
    );
    expect(await redis.ping()).toBe('PONG');
    expect((redis as unknown as { stream: { encrypted?: boolean } }).stream.encrypted).toBe(true);

    // Without the CA the self-signed chain is refused; with the wrong name the certificate is.
    const untrusted = client({ kind: 'single', url, tls: {} });
    const wrongName = client({ kind: 'single', url, tls: { caFile: certificates.caFile, servername: 'other.test' } });
    const errors = await Promise.all(
      [untrusted, wrongName].map((c) => new Promise<Error>((resolve) => c.once('error', resolve))),
    );
    expect(errors[0]!.message).toMatch(/self[- ]signed|unable to verify|certificate/i);
    expect(errors[1]!.message).toMatch(/altnames|hostname|does not match/i);
    untrusted.disconnect();
    wrongName.disconnect();
  });

  it('a Cluster over TLS (cluster bus too): slots found and BullMQ runs', async () => {
    const cluster = await startRedisCluster({ tls: certificates });
    stops.push(cluster.stop);
    const topology: RedisTopology = {
      kind: 'cluster',
      nodes: cluster.tlsNodes,
      auth: {},
      tls: { caFile: certificates.caFile, servername: certificates.servername },
    };
    const redis = await ready(client(topology));
    await redis.set('{topo}:tls', 'yes');
    expect(await redis.get('{topo}:tls')).toBe('yes');
    await jobRoundTrip(redis, await ready(client(topology, 'worker')));
  });

  it('Sentinel over TLS: sentinels and data nodes both encrypted', async () => {
    const group = await startRedisSentinelGroup({ tls: certificates });
    stops.push(group.stop);
    const topology: RedisTopology = {
      kind: 'sentinel',
      sentinels: group.sentinels,
      name: group.name,
      db: 0,
      auth: {},
      tls: { caFile: certificates.caFile, servername: certificates.servername },
    };
    const redis = await ready(client(topology));
    await redis.set('topo:tls', 'yes');
    expect(await redis.get('topo:tls')).toBe('yes');
    expect((redis as unknown as { stream: { encrypted?: boolean } }).stream.encrypted).toBe(true);
  });
});
