/**
 * Reads the counters every API and worker process exports on /metrics and diffs them around a
 * scenario: MongoDB commands and Redis commands by name (packages/observability/src/datastore-metrics.ts)
 * and process CPU seconds (prom-client's default metrics).
 *
 * A scrape snapshots these counters synchronously before any gauge's `collect()` runs, so what a
 * scrape's own collectors send (the API's `stock_remaining` MongoDB read when older than 10 s, the
 * worker's queue-depth and dead-letter reads) shows up in the *next* scrape. `snapshotBefore` primes
 * the collectors first, and the per-scrape cost of the collectors that run on every scrape is
 * measured once (`scrapeOverhead`) and subtracted, so a diff holds only the scenario's commands.
 */

export interface Snapshot {
  mongo: Record<string, number>;
  redis: Record<string, number>;
  /** `http_request_total` by `METHOD route status` (the server's own count of answered requests). */
  http: Record<string, number>;
  cpuSeconds: number;
  cpuSystemSeconds: number;
  at: number;
}

export interface Diff {
  mongo: Record<string, number>;
  redis: Record<string, number>;
  http: Record<string, number>;
  mongoTotal: number;
  redisTotal: number;
  cpuSeconds: number;
  /** The part of `cpuSeconds` spent in the kernel (syscalls: sockets, log writes). */
  cpuSystemSeconds: number;
  elapsedSeconds: number;
}

const LINE = /^(mongodb_commands_total|redis_commands_total)\{([^}]*)\}\s+([0-9.eE+-]+)/;
const OPS_ROUTES = new Set(['/metrics', '/health', '/health/deep']);
const CPU = /^process_cpu_seconds_total(?:\{[^}]*\})?\s+([0-9.eE+-]+)/;
const CPU_SYSTEM = /^process_cpu_system_seconds_total(?:\{[^}]*\})?\s+([0-9.eE+-]+)/;
const HTTP = /^http_request_total\{([^}]*)\}\s+([0-9.eE+-]+)/;
const label = (labels: string, name: string) => new RegExp(`(?:^|,)${name}="([^"]*)"`).exec(labels)?.[1] ?? '?';

export function parseMetrics(text: string): Snapshot {
  const snapshot: Snapshot = {
    mongo: {},
    redis: {},
    http: {},
    cpuSeconds: 0,
    cpuSystemSeconds: 0,
    at: performance.now(),
  };
  for (const line of text.split('\n')) {
    const match = LINE.exec(line);
    if (match) {
      const command = /command="([^"]*)"/.exec(match[2]!)?.[1] ?? '?';
      const target = match[1] === 'mongodb_commands_total' ? snapshot.mongo : snapshot.redis;
      target[command] = (target[command] ?? 0) + Number(match[3]);
      continue;
    }
    const http = HTTP.exec(line);
    if (http) {
      const key = `${label(http[1]!, 'method')} ${label(http[1]!, 'route')} ${label(http[1]!, 'status_code')}`;
      snapshot.http[key] = (snapshot.http[key] ?? 0) + Number(http[2]);
      continue;
    }
    const cpu = CPU.exec(line);
    if (cpu) snapshot.cpuSeconds = Number(cpu[1]);
    const sys = CPU_SYSTEM.exec(line);
    if (sys) snapshot.cpuSystemSeconds = Number(sys[1]);
  }
  return snapshot;
}

export async function scrape(baseUrl: string): Promise<Snapshot> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${baseUrl}/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

function subtract(a: Record<string, number>, b: Record<string, number>, c: Record<string, number> = {}) {
  const out: Record<string, number> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b), ...Object.keys(c)])) {
    const value = (a[key] ?? 0) - (b[key] ?? 0) - (c[key] ?? 0);
    if (Math.abs(value) > 1e-9) out[key] = Math.max(0, value);
  }
  return out;
}

const total = (record: Record<string, number>) => Object.values(record).reduce((s, v) => s + v, 0);

export function diff(after: Snapshot, before: Snapshot, overhead?: Overhead): Diff {
  const mongo = subtract(after.mongo, before.mongo, overhead?.mongo);
  const redis = subtract(after.redis, before.redis, overhead?.redis);
  return {
    mongo,
    redis,
    http: subtract(after.http, before.http),
    mongoTotal: total(mongo),
    redisTotal: total(redis),
    cpuSeconds: Math.max(0, after.cpuSeconds - before.cpuSeconds),
    cpuSystemSeconds: Math.max(0, after.cpuSystemSeconds - before.cpuSystemSeconds),
    elapsedSeconds: (after.at - before.at) / 1000,
  };
}

/** Commands one scrape's collectors send (seen in the following scrape), measured on an idle process. */
export interface Overhead {
  mongo: Record<string, number>;
  redis: Record<string, number>;
}

export async function scrapeOverhead(baseUrl: string): Promise<Overhead> {
  await scrape(baseUrl); // prime: slow collectors (10 s caches) refresh here
  const a = await scrape(baseUrl);
  const b = await scrape(baseUrl);
  const c = await scrape(baseUrl);
  // Two intervals, keep the smaller per command (an unrelated background command must not count).
  const one = diff(b, a);
  const two = diff(c, b);
  const min = (x: Record<string, number>, y: Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const key of Object.keys(x)) if (y[key] !== undefined) out[key] = Math.min(x[key]!, y[key]!);
    return out;
  };
  return { mongo: min(one.mongo, two.mongo), redis: min(one.redis, two.redis) };
}

/** Scrapes twice: the first lets slow collectors refresh now, so the second (returned) triggers nothing. */
export async function snapshotBefore(baseUrl: string): Promise<Snapshot> {
  await scrape(baseUrl);
  return scrape(baseUrl);
}

export function perOp(record: Record<string, number>, ops: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(record)) out[key] = ops > 0 ? value / ops : 0;
  return out;
}

/**
 * Requests the server answered with 2xx in a diff, on routes accepted by `route` (default: every
 * route but /metrics and /health). Unlike the client's count, it includes requests still in flight
 * when the load generator stopped, whose commands are in the diff too.
 */
export function served(d: Diff, route: (method: string, route: string) => boolean = () => true): number {
  let n = 0;
  for (const [key, count] of Object.entries(d.http)) {
    const [method, path, status] = key.split(' ');
    if (!status?.startsWith('2') || OPS_ROUTES.has(path!)) continue;
    if (route(method!, path!)) n += count;
  }
  return n;
}
