import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagedProcess } from '../child-process';
import { findOnPath } from '../find-on-path';
import { freePort } from '../free-port';
import { redisCommand } from './redis-cli';
import { scratchDir, spawnRedisProcess, waitUntil } from './redis-process';
import { tlsServerArgs, type TlsFiles } from './tls-certificates';

export interface SentinelDataNode {
  port: number;
  /** TLS port when started with `tls`, else 0. */
  tlsPort: number;
  pid: number;
  /** SIGKILL: the server vanishes as in a crash, without a chance to hand over. */
  kill(): Promise<void>;
}

export interface StartedRedisSentinelGroup {
  /** The group name Sentinel monitors (`REDIS_SENTINEL_NAME`). */
  name: string;
  sentinels: { host: string; port: number }[];
  /** `REDIS_SENTINELS` (TLS ports when started with `tls`). */
  sentinelsEnv: string;
  /** The data nodes by plain port: the initial primary first, then the replica. */
  dataNodes: SentinelDataNode[];
  /** The plain port of the node every sentinel names as primary; throws while they disagree (mid-failover). */
  currentPrimaryPort(): Promise<number>;
  /** The last output lines of every process of the group, for a failing test's report. */
  logs(): string;
  stop(): Promise<void>;
}

const GROUP = 'shop';

/**
 * A throwaway Sentinel group on loopback: a primary, one replica and three sentinels (quorum 2),
 * with short timeouts so a killed primary is failed over in seconds. Resolves once the replica is in
 * sync and every sentinel knows the replica and the other two sentinels (`SENTINEL CKQUORUM` is OK).
 * Sentinels run from `redis-sentinel` when installed, else from `redis-server --sentinel` (the same
 * program). With `tls`, data nodes and sentinels also listen on TLS ports, replication included.
 */
export async function startRedisSentinelGroup(opts: { tls?: TlsFiles } = {}): Promise<StartedRedisSentinelGroup> {
  const dir = scratchDir('sentinel');
  const procs: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    dir.remove();
  };
  const tlsArgs = async (): Promise<{ port: number; args: string[] }> => {
    if (!opts.tls) return { port: 0, args: [] };
    const port = await freePort();
    return { port, args: [...tlsServerArgs(opts.tls, port), '--tls-replication', 'yes'] };
  };
  try {
    const primaryTls = await tlsArgs();
    const primary = await spawnRedisProcess({
      name: 'redis sentinel-group primary',
      dir: dir.path,
      extraArgs: () => primaryTls.args,
    });
    procs.push(primary.proc);
    const replicaTls = await tlsArgs();
    const replica = await spawnRedisProcess({
      name: 'redis sentinel-group replica',
      dir: dir.path,
      extraArgs: () => [
        ...replicaTls.args,
        '--replicaof',
        '127.0.0.1',
        String(opts.tls ? primaryTls.port : primary.port),
      ],
    });
    procs.push(replica.proc);
    await waitUntil('replica in sync with the primary', async () =>
      /master_link_status:up/.test(await redisCommand(replica.port, ['INFO', 'replication'])),
    );

    const sentinelBinary = findOnPath('redis-sentinel');
    const sentinels: { port: number; tlsPort: number }[] = [];
    for (let i = 0; i < 3; i++) {
      // A sentinel's own TLS port; it reaches the data nodes over TLS through `tls-replication` above.
      const sentinelTlsPort = opts.tls ? await freePort() : 0;
      const sentinelTls = { port: sentinelTlsPort, args: opts.tls ? tlsServerArgs(opts.tls, sentinelTlsPort) : [] };
      const { port } = await spawnRedisProcess({
        name: `redis sentinel ${i + 1}`,
        dir: dir.path,
        maxmemoryPolicy: false,
        ...(sentinelBinary ? { command: sentinelBinary } : {}),
        leadingArgs: (p) => {
          // Sentinel rewrites its config file (it records what it learns), so each gets its own.
          const file = join(dir.path, `sentinel-${p}.conf`);
          writeFileSync(
            file,
            [
              `sentinel monitor ${GROUP} 127.0.0.1 ${opts.tls ? primaryTls.port : primary.port} 2`,
              `sentinel down-after-milliseconds ${GROUP} 1000`,
              `sentinel failover-timeout ${GROUP} 5000`,
              `sentinel parallel-syncs ${GROUP} 1`,
              ...(opts.tls ? ['tls-replication yes'] : []),
              '',
            ].join('\n'),
          );
          return sentinelBinary ? [file] : [file, '--sentinel'];
        },
        extraArgs: () => sentinelTls.args,
      }).then((started) => {
        procs.push(started.proc);
        return started;
      });
      sentinels.push({ port, tlsPort: sentinelTls.port });
    }
    await waitUntil(
      'every sentinel sees the replica and the other sentinels',
      async () => {
        const replies = await Promise.all(sentinels.map((s) => redisCommand(s.port, ['SENTINEL', 'CKQUORUM', GROUP])));
        const replicas = await Promise.all(sentinels.map((s) => redisCommand(s.port, ['SENTINEL', 'REPLICAS', GROUP])));
        return replies.every((r) => r.startsWith('OK 3 usable')) && replicas.every((r) => r.includes('127.0.0.1'));
      },
      30_000,
    );

    const node = (started: { port: number; proc: ManagedProcess }, tlsPort: number): SentinelDataNode => ({
      port: started.port,
      tlsPort,
      pid: started.proc.pid,
      kill: () => started.proc.stop(0),
    });
    const dataNodes = [node(primary, primaryTls.port), node(replica, replicaTls.port)];
    const sentinelAddresses = sentinels.map((s) => ({ host: '127.0.0.1', port: opts.tls ? s.tlsPort : s.port }));
    return {
      name: GROUP,
      sentinels: sentinelAddresses,
      sentinelsEnv: sentinelAddresses.map((s) => `${s.host}:${s.port}`).join(','),
      dataNodes,
      async currentPrimaryPort() {
        // Sentinels learn of a failover from each other (hello messages every ~2 s), so right after a
        // promotion one may still name the old primary while a client has already been sent to the
        // new one. Only an answer every sentinel gives is the group's answer.
        const ports = await Promise.all(
          sentinels.map(async (s) => {
            const reply = await redisCommand(s.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', GROUP]);
            const announced = Number(reply.trim().split('\n')[1]);
            const match = dataNodes.find((n) => n.port === announced || n.tlsPort === announced);
            if (!match) throw new Error(`sentinel ${s.port} names an unknown primary port ${announced}`);
            return match.port;
          }),
        );
        if (new Set(ports).size !== 1)
          throw new Error(`sentinels do not agree on the primary yet: ${ports.join(', ')}`);
        return ports[0]!;
      },
      logs: () => procs.map((p) => `--- ${p.name}\n${p.tail()}`).join('\n'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
