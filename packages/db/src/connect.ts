import { MongoClient, type Db } from 'mongodb';
import type { Logger } from 'pino';
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

export interface ConnectOptions {
  uri: string;
  dbName: string;
  appName: string;
  logger?: Logger;
  ensureIndexes?: boolean;
  maxPoolSize?: number;
  /**
   * Emit `commandStarted`/`commandSucceeded` events on the client (tests and benchmarks count
   * MongoDB commands per operation). Also settable as `monitorCommands=true` in the URI.
   */
  monitorCommands?: boolean;
}

export function createMongoClient(
  options: Pick<ConnectOptions, 'uri' | 'appName' | 'maxPoolSize' | 'monitorCommands'>,
): MongoClient {
  return new MongoClient(options.uri, {
    appName: options.appName,
    maxPoolSize: options.maxPoolSize ?? 50,
    ...(options.monitorCommands === undefined ? {} : { monitorCommands: options.monitorCommands }),
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    retryWrites: true,
    retryReads: true,
    writeConcern: { w: 'majority' },
  });
}

/** Server-reported version; the stand-in says `8.0.0-jongodb`. */
async function detectStandIn(db: Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.version === 'string' && info.version.includes('jongodb');
}

export async function connectDatabase(options: ConnectOptions): Promise<Database> {
  const client = createMongoClient(options);
  await client.connect();
  const db = client.db(options.dbName);
  const isStandIn = await detectStandIn(db);
  if (options.ensureIndexes !== false) await ensureIndexes(db);
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
