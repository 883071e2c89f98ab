import { itRealMongo, testEnv } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { connectDatabase, type Database } from './connect';
import { recordEmail } from './email-outbox';

let database: Database;
beforeAll(async () => {
  const env = testEnv();
  database = await connectDatabase({ uri: env.MONGODB_URI, dbName: env.MONGODB_DB, appName: 'outbox-test' });
});
afterAll(async () => database?.close());

const email = (subjectId: string) => ({
  kind: 'payment_failed' as const,
  subjectId,
  to: 'buyer@example.test',
  subject: 'Payment failed',
  data: { name: 'B', orderId: subjectId, items: [], total: 100, currency: 'usd', reason: 'declined' },
});

describe('recordEmail inside transactions', () => {
  // On a real server the loser of two concurrent upserts of one outbox id gets a write conflict or a
  // duplicate key, which has already aborted its transaction. recordEmail must rethrow it (it used to
  // swallow 11000) so that withTransaction retries the whole callback: both transactions then commit
  // and exactly one email exists. The stand-in has no isolation, so this runs on a real server only.
  itRealMongo('two concurrent transactions recording the same email both commit, with one email', async () => {
    const subjectId = `tx-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => database.transaction((session) => recordEmail(database.collections, email(subjectId), session))),
    );
    expect(new Set(results)).toEqual(new Set([`payment_failed:${subjectId}`]));
    expect(await database.collections.emailOutbox.countDocuments({ subjectId })).toBe(1);
  });
});
