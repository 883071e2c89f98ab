import type { ClientSession, MongoClient, TransactionOptions } from 'mongodb';
import type { Logger } from 'pino';

/** Majority read and write so a committed transaction survives a primary failover. */
export const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: 'majority' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
};

export interface TransactionRunner {
  <T>(work: (session: ClientSession) => Promise<T>): Promise<T>;
}

/**
 * Runs `work` in a multi-document transaction through `withTransaction`, which retries the whole
 * callback on TransientTransactionError and the commit on UnknownTransactionCommitResult.
 *
 * On the offline stand-in (jongodb) concurrent transactions are not isolated and lose writes,
 * so there — and only there — transactions in this process run one at a time. On a real server
 * they run concurrently and isolation comes from MongoDB itself.
 */
export function createTransactionRunner(
  client: MongoClient,
  options: { serialise: boolean; logger?: Logger },
): TransactionRunner {
  let tail: Promise<unknown> = Promise.resolve();
  if (options.serialise) {
    options.logger?.warn(
      'MongoDB stand-in detected: transactions are serialised within this process because it has no transaction isolation',
    );
  }

  const run = async <T>(work: (session: ClientSession) => Promise<T>): Promise<T> => {
    const session = client.startSession();
    try {
      return await session.withTransaction(() => work(session), TRANSACTION_OPTIONS);
    } finally {
      await session.endSession();
    }
  };

  return <T>(work: (session: ClientSession) => Promise<T>): Promise<T> => {
    if (!options.serialise) return run(work);
    const result = tail.then(() => run(work));
    tail = result.catch(() => undefined);
    return result;
  };
}
