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
  /**
   * Counts since start: transactions run, callback re-runs (`withTransaction` retrying after a
   * write conflict), and the most attempts one transaction needed. Exported as metrics.
   */
  readonly stats: TransactionStats;
}

export interface TransactionStats {
  transactions: number;
  retries: number;
  maxAttempts: number;
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

  const stats: TransactionStats = { transactions: 0, retries: 0, maxAttempts: 0 };
  const run = async <T>(work: (session: ClientSession) => Promise<T>): Promise<T> => {
    const session = client.startSession();
    let attempts = 0;
    stats.transactions += 1;
    try {
      return await session.withTransaction(() => {
        attempts += 1;
        if (attempts > 1) stats.retries += 1;
        stats.maxAttempts = Math.max(stats.maxAttempts, attempts);
        return work(session);
      }, TRANSACTION_OPTIONS);
    } finally {
      await session.endSession();
    }
  };

  const runner = <T>(work: (session: ClientSession) => Promise<T>): Promise<T> => {
    if (!options.serialise) return run(work);
    const result = tail.then(() => run(work));
    tail = result.catch(() => undefined);
    return result;
  };
  return Object.assign(runner, { stats });
}
