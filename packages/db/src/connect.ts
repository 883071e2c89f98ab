import { MongoClient, type Db } from 'mongodb';
import { redactConnectionString } from 'mongodb-connection-string-url';
import type { Logger } from 'pino';
import { describeMongoError, isDatabaseUnavailable } from './availability';
import { getCollections, type Collections } from './collections';
import { ensureIndexes } from './indexes';
import { createTransactionRunner, type TransactionRunner } from './transaction';

export interface Database {
  client: MongoClient;
  db: Db;
  collections: Collections;
  /** True on the offline stand-in (jongodb), which has no transaction isolation. */
  isStandIn: boolean;
  transaction: TransactionRunner;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * How long an operation waits for a selectable server (a primary, for writes) before failing.
 * A replica-set election takes about 10-12 s; 30 s lets operations ride it out instead of failing.
 */
export const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 30_000;

export interface ConnectOptions {
  uri: string;
  dbName: string;
  appName: string;
  logger?: Logger;
  ensureIndexes?: boolean;
  maxPoolSize?: number;
  /** Defaults to DEFAULT_SERVER_SELECTION_TIMEOUT_MS (MONGODB_SERVER_SELECTION_TIMEOUT_MS in the apps). */
  serverSelectionTimeoutMS?: number;
  /**
   * How long a command waits for its answer on an open connection (MONGODB_SOCKET_TIMEOUT_MS in the
   * apps); unset = forever. Index builds at start-up run on a connection without it.
   */
  socketTimeoutMS?: number;
  /**
   * Start-up attempts while MongoDB is unreachable (each lasts up to the server selection timeout,
   * with a growing pause between them). Default 1, so scripts and tests fail plainly; the API and
   * worker pass Infinity: a process started before its database waits for it, and the
   * orchestrator's startup probe decides when that is too long.
   */
  maxStartupAttempts?: number;
  /**
   * Emit `commandStarted`/`commandSucceeded` events on the client (tests and benchmarks count
   * MongoDB commands per operation). Also settable as `monitorCommands=true` in the URI.
   */
  monitorCommands?: boolean;
}

export function createMongoClient(
  options: Pick<
    ConnectOptions,
    'uri' | 'appName' | 'maxPoolSize' | 'monitorCommands' | 'serverSelectionTimeoutMS' | 'socketTimeoutMS'
  >,
): MongoClient {
  return new MongoClient(options.uri, {
    appName: options.appName,
    maxPoolSize: options.maxPoolSize ?? 50,
    ...(options.monitorCommands === undefined ? {} : { monitorCommands: options.monitorCommands }),
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS,
    connectTimeoutMS: 5000,
    ...(options.socketTimeoutMS === undefined ? {} : { socketTimeoutMS: options.socketTimeoutMS }),
    // Both are the driver's defaults; stated because failover relies on them: an operation that
    // meets a step-down or a dropped connection is retried once on the new primary.
    retryWrites: true,
    retryReads: true,
    writeConcern: { w: 'majority' },
  });
}

/** The URI with its password hidden, for log lines. */
export function redactMongoUri(uri: string): string {
  try {
    return redactConnectionString(uri);
  } catch {
    return '(unparseable MongoDB URI)';
  }
}

/** 1 s, 2 s, 4 s ... capped at 30 s: fast recovery when the database is just late, no hammering when it is down. */
export function startupBackoffMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), 30_000);
}

/** Server-reported version; the stand-in says `8.0.0-jongodb`. */
async function detectStandIn(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.version === 'string' && info.version.includes('jongodb');
}

/**
 * Connects, detects the stand-in and creates the indexes, retrying while MongoDB is unreachable
 * (see isDatabaseUnavailable). Each failed attempt is one log line without a stack trace; any
 * other error (bad credentials, an invalid index) is thrown at once.
 */
async function connectWithRetry(client: MongoClient, options: ConnectOptions): Promise<{ db: Db; isStandIn: boolean }> {
  const maxAttempts = options.maxStartupAttempts ?? 1;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await client.connect();
      const db = client.db(options.dbName);
      const isStandIn = await detectStandIn(db);
      if (options.ensureIndexes !== false) await ensureIndexesWithoutSocketTimeout(db, options);
      if (attempt > 1) options.logger?.info({ attempt }, 'MongoDB is reachable; continuing start-up');
      return { db, isStandIn };
    } catch (error) {
      if (!isDatabaseUnavailable(error) || attempt >= maxAttempts) throw error;
      const retryInMs = startupBackoffMs(attempt);
      options.logger?.warn(
        { attempt, retryInMs, mongodb: redactMongoUri(options.uri), reason: describeMongoError(error) },
        `MongoDB is not reachable at start-up; retrying in ${retryInMs / 1000} s`,
      );
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}

/**
 * A new index on a large collection can take longer than any socket timeout (createIndexes answers
 * when the build is done), so with one set the indexes are built through a short-lived client
 * without it.
 */
async function ensureIndexesWithoutSocketTimeout(db: Db, options: ConnectOptions): Promise<void> {
  if (options.socketTimeoutMS === undefined) return ensureIndexes(db);
  const { socketTimeoutMS: _omitted, ...rest } = options;
  const indexClient = createMongoClient({ ...rest, appName: `${options.appName}-indexes`, maxPoolSize: 1 });
  try {
    await ensureIndexes(indexClient.db(options.dbName));
  } finally {
    await indexClient.close();
  }
}

export async function connectDatabase(options: ConnectOptions): Promise<Database> {
  const client = createMongoClient(options);
  const { db, isStandIn } = await connectWithRetry(client, options);
  return {
    client,
    db,
    collections: getCollections(db),
    isStandIn,
    transaction: createTransactionRunner(client, {
      serialise: isStandIn,
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    ping: async () => {
      await db.command({ ping: 1 });
    },
    close: () => client.close(),
  };
}
