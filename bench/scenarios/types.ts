import type { Database } from '@simple-shop/db';
import type { Redis } from '@simple-shop/queue';
import type { BenchUser, Catalog } from '../data';
import type { LatencySummary, LoadResult } from '../load';
import type { Diff, Overhead } from '../metrics';
import type { Service } from '../stack';
import type { MachineLoad } from '../sysload';

export interface Settings {
  /** Seconds of measurement per throughput scenario. */
  durationS: number;
  warmupS: number;
  /** Seconds per mixed-workload run. */
  mixedDurationS: number;
  /** Connections of the throughput scenarios (hello-world, reads, add-to-cart, webhook ingest). */
  connections: number;
  /** Connections of order + checkout and of the fulfilment fire. */
  writeConnections: number;
  mixedConnections: number[];
  products: number;
  users: number;
  /** At most this many order + checkout-session pairs in the order scenario. */
  orderLimit: number;
  /** At most this many events in the webhook-ingest scenario. */
  ingestLimit: number;
  /** Orders paid in the end-to-end fulfilment scenario. */
  fulfilOrders: number;
  profile: boolean;
  profileS: number;
  logLevel: string;
}

export interface BenchContext {
  settings: Settings;
  api: Service;
  worker: Service;
  sim: Service;
  database: Database;
  redis: Redis;
  redisUrl: string;
  keyPrefix: string;
  catalog: Catalog;
  users: BenchUser[];
  webhookSecret: string;
  isStandIn: boolean;
  overhead: { api: Overhead; worker: Overhead };
  log(message: string): void;
}

export interface ProcessCost {
  /** Commands per operation, by command name. */
  mongo: Record<string, number>;
  redis: Record<string, number>;
  mongoPerOp: number;
  redisPerOp: number;
  /** CPU milliseconds per operation (user + system). */
  cpuMsPerOp: number;
  /** The kernel's share of `cpuMsPerOp` (syscalls: sockets to MongoDB/Redis/clients, log writes). */
  systemCpuShare: number;
  /** Cores used on average while the scenario ran. */
  cpuCores: number;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** What one operation is. */
  unit: string;
  connections: number;
  ops: number;
  elapsedS: number;
  opsPerSec: number;
  /** HTTP requests per second (differs from ops/s when an operation is several requests). */
  reqPerSec: number;
  latency: LatencySummary;
  /** What `latency` measures. */
  latencyOf: string;
  successRate: number;
  statusCounts: Record<string, number>;
  api?: ProcessCost;
  worker?: ProcessCost;
  /** Extra worker-side figures (fulfilment: the confirmation-email job measured on its own). */
  workerEmail?: ProcessCost;
  boundBy: string;
  notes: string[];
  /** Monotonic µs of the measured window (selects the samples of a CPU profile). */
  window: { fromUs: number; toUs: number };
  /** CPU of a server process measured from /proc (the hello-world, which has no /metrics). */
  serverCpu?: { msPerOp: number; cores: number };
  /** How busy the machine was meanwhile (cores), ours and everything else's. */
  machineLoad?: MachineLoad;
  /** Scenario-specific figures kept in the JSON. */
  extra?: Record<string, unknown>;
}

export type Scenario = (ctx: BenchContext) => Promise<ScenarioResult>;

export type { LoadResult, Diff };
