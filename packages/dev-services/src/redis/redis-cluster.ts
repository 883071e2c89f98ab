import { join } from 'node:path';
import type { ManagedProcess } from '../child-process';
import { freePort } from '../free-port';
import { redisCli, redisCommand } from './redis-cli';
import { scratchDir, spawnRedisProcess, waitUntil } from './redis-process';
import { tlsServerArgs, type TlsFiles } from './tls-certificates';

export interface StartedRedisCluster {
  /** Plain-TCP addresses of the masters. */
  nodes: { host: string; port: number }[];
  /** TLS ports of the same masters, when started with `tls`. */
  tlsNodes: { host: string; port: number }[];
  /** `REDIS_CLUSTER_NODES` for the plain (or, with TLS, the TLS) ports. */
  clusterNodesEnv: string;
  /** SIGTERM every node, wait for them to exit, remove their files. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A throwaway Redis Cluster of `masters` (default 3) masters without replicas on loopback, built the
 * way an operator would: servers with `--cluster-enabled yes`, then `redis-cli --cluster create`.
 * Resolves once every node reports `cluster_state:ok`, so all 16384 slots are served.
 * With `tls`, each node also listens on a TLS port and the cluster bus runs over TLS.
 */
export async function startRedisCluster(opts: { masters?: number; tls?: TlsFiles } = {}): Promise<StartedRedisCluster> {
  const masters = opts.masters ?? 3;
  const dir = scratchDir('cluster');
  const procs: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    dir.remove();
  };
  try {
    const tlsPorts: number[] = [];
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) {
      // The bus port defaults to port + 10000, which nobody checked is free: ask for one explicitly.
      const busPort = await freePort();
      const tlsPort = opts.tls ? await freePort() : 0;
      const { port, proc } = await spawnRedisProcess({
        name: `redis cluster node ${i + 1}`,
        dir: dir.path,
        extraArgs: (p) => [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir.path, `nodes-${p}.conf`),
          '--cluster-port',
          String(busPort),
          // Short, so a test that stops a node sees the cluster react in seconds, not 15 s.
          '--cluster-node-timeout',
          '2000',
          ...(opts.tls
            ? [...tlsServerArgs(opts.tls, tlsPort), '--tls-cluster', 'yes', '--tls-replication', 'yes']
            : []),
        ],
      });
      procs.push(proc);
      ports.push(port);
      tlsPorts.push(tlsPort);
    }
    await redisCli(
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      60_000,
    );
    await waitUntil('redis cluster state ok on every node', async () => {
      const infos = await Promise.all(ports.map((p) => redisCommand(p, ['CLUSTER', 'INFO'])));
      return infos.every(
        (info) => /cluster_state:ok/.test(info) && /cluster_known_nodes:(\d+)/.exec(info)?.[1] === String(masters),
      );
    });
    const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
    const tlsNodes = opts.tls ? tlsPorts.map((port) => ({ host: '127.0.0.1', port })) : [];
    return {
      nodes,
      tlsNodes,
      clusterNodesEnv: (opts.tls ? tlsNodes : nodes).map((n) => `${n.host}:${n.port}`).join(','),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
