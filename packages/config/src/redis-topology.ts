import { accessSync, constants } from 'node:fs';

/**
 * How the processes reach Redis, decided once from the environment:
 * - `single`: one server, `REDIS_URL` (`redis://` or `rediss://`);
 * - `sentinel`: a primary found through Sentinel, from `REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`
 *   or a `redis+sentinel://[user:pass@]host:port,host:port/<name>[/<db>]` `REDIS_URL`;
 * - `cluster`: Redis Cluster seeded from `REDIS_CLUSTER_NODES` (`host:port,host:port`).
 * TLS applies to all three: a `rediss://` / `rediss+sentinel://` URL or `REDIS_TLS=true`, with an
 * optional CA file (`REDIS_TLS_CA_FILE`) and server name (`REDIS_TLS_SERVERNAME`).
 */
export interface RedisAddress {
  host: string;
  port: number;
}

export interface RedisTls {
  /** PEM file of the CA that signed the servers' certificates; the system store when unset. */
  caFile?: string;
  /** Name the certificates are checked against when it differs from the host connected to. */
  servername?: string;
}

export interface RedisAuth {
  username?: string;
  password?: string;
}

export type RedisTopology =
  | { kind: 'single'; url: string; tls?: RedisTls }
  | {
      kind: 'sentinel';
      sentinels: RedisAddress[];
      name: string;
      db: number;
      auth: RedisAuth;
      sentinelPassword?: string;
      tls?: RedisTls;
    }
  | { kind: 'cluster'; nodes: RedisAddress[]; auth: RedisAuth; tls?: RedisTls };

export interface RedisTopologyProblem {
  variable: string;
  message: string;
}

type RawEnv = Record<string, string | undefined>;

const trimmed = (value: string | undefined): string | undefined => {
  const t = value?.trim();
  return t ? t : undefined;
};

/** `host:port[,host:port…]`; an IPv6 host is written in brackets (`[::1]:7000`). */
export function parseAddresses(list: string): RedisAddress[] | string {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return 'must list at least one host:port';
  const addresses: RedisAddress[] = [];
  for (const entry of entries) {
    const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65_535) return 'must be a comma-separated list of host:port';
    addresses.push({ host: (match[1] ?? match[2])!, port });
  }
  return addresses;
}

/** `redis+sentinel://[user:pass@]h1:p1,h2:p2/<name>[/<db>]`; `rediss+sentinel://` adds TLS. */
function parseSentinelUrl(
  url: string,
): { sentinels: RedisAddress[]; name: string; db: number; auth: RedisAuth; tls: boolean } | string {
  const match = /^(rediss?)\+sentinel:\/\/(?:([^@/]*)@)?([^/]+)\/([^/]+)(?:\/(\d+))?\/?$/.exec(url);
  if (!match) return 'a sentinel URL must look like redis+sentinel://host:port,host:port/<name>[/<db>]';
  const sentinels = parseAddresses(match[3]!);
  if (typeof sentinels === 'string') return `sentinel hosts ${sentinels}`;
  const auth: RedisAuth = {};
  if (match[2]) {
    const [user, ...rest] = match[2].split(':');
    if (user) auth.username = decodeURIComponent(user);
    if (rest.length > 0) auth.password = decodeURIComponent(rest.join(':'));
  }
  return {
    sentinels,
    name: decodeURIComponent(match[4]!),
    db: Number(match[5] ?? 0),
    auth,
    tls: match[1] === 'rediss',
  };
}

/**
 * Reads the Redis variables into one topology, or the problems naming each bad variable (values are
 * never echoed: URLs carry passwords). Cluster wins over Sentinel, Sentinel over a plain URL, so a
 * deployment can keep a `REDIS_URL` around for tools while the processes use the HA topology.
 */
export function parseRedisTopology(
  env: RawEnv,
): { topology: RedisTopology; problems: [] } | { topology: null; problems: RedisTopologyProblem[] } {
  const problems: RedisTopologyProblem[] = [];
  const url = trimmed(env.REDIS_URL);
  const clusterNodes = trimmed(env.REDIS_CLUSTER_NODES);
  const sentinelList = trimmed(env.REDIS_SENTINELS);
  const sentinelName = trimmed(env.REDIS_SENTINEL_NAME);
  const tlsFlag = trimmed(env.REDIS_TLS);
  if (tlsFlag !== undefined && tlsFlag !== 'true' && tlsFlag !== 'false')
    problems.push({ variable: 'REDIS_TLS', message: 'must be true or false' });

  const caFile = trimmed(env.REDIS_TLS_CA_FILE);
  if (caFile) {
    try {
      accessSync(caFile, constants.R_OK);
    } catch {
      problems.push({ variable: 'REDIS_TLS_CA_FILE', message: 'is not a readable file' });
    }
  }
  const servername = trimmed(env.REDIS_TLS_SERVERNAME);
  const urlTls = url !== undefined && /^rediss(\+sentinel)?:\/\//.test(url);
  const useTls = tlsFlag === 'true' || urlTls;
  const tls: RedisTls | undefined = useTls
    ? { ...(caFile ? { caFile } : {}), ...(servername ? { servername } : {}) }
    : undefined;
  if (!useTls && (caFile || servername))
    problems.push({
      variable: caFile ? 'REDIS_TLS_CA_FILE' : 'REDIS_TLS_SERVERNAME',
      message: 'is set but TLS is off (use a rediss:// URL or REDIS_TLS=true)',
    });
  const auth: RedisAuth = {
    ...(trimmed(env.REDIS_USERNAME) ? { username: trimmed(env.REDIS_USERNAME) } : {}),
    ...(trimmed(env.REDIS_PASSWORD) ? { password: trimmed(env.REDIS_PASSWORD) } : {}),
  };
  const sentinelPassword = trimmed(env.REDIS_SENTINEL_PASSWORD);

  let topology: RedisTopology | null = null;
  if (clusterNodes) {
    const nodes = parseAddresses(clusterNodes);
    if (typeof nodes === 'string') problems.push({ variable: 'REDIS_CLUSTER_NODES', message: nodes });
    else topology = { kind: 'cluster', nodes, auth, ...(tls ? { tls } : {}) };
  } else if (sentinelList || sentinelName) {
    const sentinels = parseAddresses(sentinelList ?? '');
    if (!sentinelList) problems.push({ variable: 'REDIS_SENTINELS', message: 'is required with REDIS_SENTINEL_NAME' });
    else if (typeof sentinels === 'string') problems.push({ variable: 'REDIS_SENTINELS', message: sentinels });
    if (!sentinelName) problems.push({ variable: 'REDIS_SENTINEL_NAME', message: 'is required with REDIS_SENTINELS' });
    if (sentinelName && typeof sentinels !== 'string')
      topology = {
        kind: 'sentinel',
        sentinels,
        name: sentinelName,
        db: 0,
        auth,
        ...(sentinelPassword ? { sentinelPassword } : {}),
        ...(tls ? { tls } : {}),
      };
  } else if (url && /^rediss?\+sentinel:\/\//.test(url)) {
    const parsed = parseSentinelUrl(url);
    if (typeof parsed === 'string') problems.push({ variable: 'REDIS_URL', message: parsed });
    else
      topology = {
        kind: 'sentinel',
        sentinels: parsed.sentinels,
        name: parsed.name,
        db: parsed.db,
        auth: { ...auth, ...parsed.auth },
        ...(sentinelPassword ? { sentinelPassword } : {}),
        ...(tls ? { tls } : {}),
      };
  } else if (url) {
    if (!/^rediss?:\/\//.test(url))
      problems.push({ variable: 'REDIS_URL', message: 'must start with redis://, rediss:// or redis+sentinel://' });
    else topology = { kind: 'single', url, ...(tls ? { tls } : {}) };
  } else {
    problems.push({
      variable: 'REDIS_URL',
      message: 'is required but not set (or set REDIS_SENTINELS + REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES)',
    });
  }
  if (problems.length > 0 || !topology) return { topology: null, problems };
  return { topology, problems: [] };
}

/** A log-safe one-line description (no credentials). */
export function describeRedisTopology(topology: RedisTopology): string {
  const tls = topology.tls ? ' over TLS' : '';
  const list = (addresses: RedisAddress[]) => addresses.map((a) => `${a.host}:${a.port}`).join(',');
  switch (topology.kind) {
    case 'single': {
      const parsed = new URL(topology.url);
      return `single server ${parsed.hostname}:${parsed.port || 6379}${tls}`;
    }
    case 'sentinel':
      return `sentinel group "${topology.name}" via ${list(topology.sentinels)}${tls}`;
    case 'cluster':
      return `cluster seeded from ${list(topology.nodes)}${tls}`;
  }
}
