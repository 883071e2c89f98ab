import { loadConfig, type Config } from '@simple-shop/config';
import {
  connectDatabase,
  EMAIL_OUTBOX_RETENTION_SECONDS,
  ensureIndexes,
  recordEmail,
  type Database,
} from '@simple-shop/db';
import { loggerOptions } from '@simple-shop/observability';
import {
  bullPrefix,
  createQueue,
  createRedis,
  createWorker,
  emailsQueue,
  type Redis,
  emailJobId,
} from '@simple-shop/queue';
import { testEnv, waitFor } from '@simple-shop/testing';
import type { Job, Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer, type Mailer } from '../email/transport';
import { sendEmailHandler } from './send-email';

/**
 * The `emails` job on real BullMQ, Redis and MongoDB, with nodemailer's JSON transport (no SMTP
 * server here) or an SMTP URL nobody listens on (a real connection failure).
 */
const env = testEnv();
let config: Config;
let database: Database;
let redis: Redis;
const lines: string[] = [];
const logger = pino(loggerOptions({ service: 'worker', level: 'info' }), { write: (l: string) => void lines.push(l) });
const workers: Worker[] = [];
const mailers: Mailer[] = [];

beforeAll(async () => {
  config = loadConfig(env);
  database = await connectDatabase({ uri: config.MONGODB_URI, dbName: config.MONGODB_DB, appName: 'send-email-test' });
  redis = createRedis(config.redis, 'worker', 'send-email-test');
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  mailers.forEach((m) => m.close());
  redis?.disconnect();
  await database?.close();
});

/** A queue + in-process worker for the handler with the given mailer, on its own queue prefix. */
function pipeline(mailer: Mailer, name: string, attempts = 3) {
  mailers.push(mailer);
  const definition = emailsQueue({ attempts, backoffMs: 10 });
  const prefix = `${bullPrefix(config.REDIS_KEY_PREFIX)}-${name}`;
  const queue = createQueue(definition, redis, prefix);
  const worker = createWorker(definition, sendEmailHandler({ config, database, logger }, mailer), redis, { prefix });
  workers.push(worker);
  return queue;
}

async function finished(job: Job) {
  return waitFor(
    async () => {
      const state = await job.getState();
      expect(['completed', 'failed']).toContain(state);
      return state;
    },
    { timeoutMs: 10_000 },
  );
}

async function pendingResetEmail(subjectId: string) {
  return recordEmail(database.collections, {
    kind: 'password_reset',
    subjectId,
    to: 'ada@example.com',
    subject: 'Reset your password',
    data: { name: 'Ada', resetUrl: `https://shop.example/reset-password?token=SECRET-${subjectId}` },
  });
}

describe('send-email job', () => {
  it('sends once, records it, logs without the content, and skips it when queued again', async () => {
    const queue = pipeline(createMailer({}, logger), 'ok');
    const outboxId = await pendingResetEmail('t1');
    // Recording again changes nothing (idempotent upsert).
    expect(await pendingResetEmail('t1')).toBe(outboxId);
    expect(await database.collections.emailOutbox.countDocuments({ _id: outboxId })).toBe(1);

    const job = await queue.add('send', { outboxId }, { jobId: emailJobId(outboxId) });
    expect(await finished(job)).toBe('completed');
    const doc = await database.collections.emailOutbox.findOne({ _id: outboxId });
    expect(doc).toMatchObject({
      status: 'sent',
      attempts: 1,
      messageId: `<${outboxId}@simple-shop>`,
      sentAt: expect.any(Date),
    });
    // The reset link (a live credential) leaves the database once sent; the rest of the record stays.
    expect(doc?.data).toEqual({ name: 'Ada' });
    const logged = lines.filter((l) => l.includes('email logged'));
    expect(logged).toHaveLength(1);
    // The recipient is personal data: the log names it masked, and no line anywhere carries the address.
    expect(JSON.parse(logged[0]!)).toMatchObject({ kind: 'password_reset', to: 'a***@example.com', outboxId });
    expect(lines.join('\n')).not.toContain('ada@example.com');
    expect(lines.join('\n')).not.toContain('SECRET-');

    const again = await queue.add('send', { outboxId }, { jobId: `${emailJobId(outboxId)}.again` });
    expect(await finished(again)).toBe('completed');
    expect((await queue.queue.getJob(String(again.id)))?.returnvalue).toEqual({ status: 'already-sent' });
    expect(lines.filter((l) => l.includes('email logged'))).toHaveLength(1);
    expect((await database.collections.emailOutbox.findOne({ _id: outboxId }))?.attempts).toBe(1);
  });

  it('records SMTP failures, retries, and marks the email failed after the last attempt', async () => {
    const queue = pipeline(createMailer({ SMTP_URL: 'smtp://127.0.0.1:1' }, logger), 'smtp-down', 2);
    const outboxId = await pendingResetEmail('t2');
    const job = await queue.add('send', { outboxId }, { jobId: emailJobId(outboxId) });
    expect(await finished(job)).toBe('failed');
    const failed = await queue.queue.getJob(String(job.id));
    expect(failed?.attemptsMade).toBe(2);
    const doc = await database.collections.emailOutbox.findOne({ _id: outboxId });
    expect(doc).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: expect.stringMatching(/ECONNREFUSED|connect/i),
    });
    expect(doc?.sentAt).toBeUndefined();
    // Failed for good: nobody will send this link any more, so it is not kept.
    expect(doc?.data).toEqual({ name: 'Ada' });
  });

  it('keeps the reset link while a retry is still due, and the outbox has a retention TTL', async () => {
    const queue = pipeline(createMailer({ SMTP_URL: 'smtp://127.0.0.1:1' }, logger), 'smtp-retry', 50);
    const outboxId = await pendingResetEmail('t-retry');
    const job = await queue.add('send', { outboxId }, { jobId: emailJobId(outboxId), attempts: 50, backoff: 60_000 });
    await waitFor(async () => (await database.collections.emailOutbox.findOne({ _id: outboxId }))?.attempts === 1);
    await job.remove().catch(() => undefined);
    const doc = await database.collections.emailOutbox.findOne({ _id: outboxId });
    expect(doc).toMatchObject({ status: 'pending', data: { resetUrl: expect.stringContaining('SECRET-') } });

    await ensureIndexes(database.db);
    const indexes = await database.db.collection('email-outbox').indexes();
    const ttl = indexes.find((index) => index.expireAfterSeconds !== undefined);
    expect(ttl).toMatchObject({ key: { createdAt: 1 }, expireAfterSeconds: EMAIL_OUTBOX_RETENTION_SECONDS });
  });

  it('fails at once, without retries, for an unknown kind or a missing document', async () => {
    const queue = pipeline(createMailer({}, logger), 'bad', 5);
    await database.collections.emailOutbox.insertOne({
      _id: 'no_such_kind:x1',
      kind: 'no_such_kind',
      to: 'ada@example.com',
      subject: 'x',
      data: {},
      status: 'pending',
      attempts: 0,
      createdAt: new Date(),
    });
    const unknownKind = await queue.add('send', { outboxId: 'no_such_kind:x1' }, { jobId: 'email.no_such_kind.x1' });
    const missing = await queue.add(
      'send',
      { outboxId: 'password_reset:nope' },
      { jobId: 'email.password_reset.nope' },
    );
    for (const job of [unknownKind, missing]) {
      expect(await finished(job)).toBe('failed');
      expect((await queue.queue.getJob(String(job.id)))?.attemptsMade).toBe(1);
    }
    expect(await database.collections.emailOutbox.findOne({ _id: 'no_such_kind:x1' })).toMatchObject({
      status: 'failed',
      lastError: expect.stringContaining('no template'),
    });
  });
});

describe('at most once', () => {
  /** A mailer that counts sends and takes `delayMs` to "talk to SMTP". */
  function slowMailer(delayMs: number) {
    const sent: string[] = [];
    const mailer: Mailer = {
      mode: 'smtp',
      async send(email, meta) {
        await new Promise((r) => setTimeout(r, delayMs));
        sent.push(meta.outboxId);
        return { messageId: String(email.messageId) };
      },
      close() {},
    };
    return { mailer, sent };
  }
  const fakeJob = (outboxId: string, id: string) =>
    ({ id, data: { outboxId }, attemptsMade: 0, opts: { attempts: 3 } }) as unknown as Job<{ outboxId: string }>;

  it('two concurrent runs of the same email (e.g. a stalled lock) send it once', async () => {
    const outboxId = await pendingResetEmail(`once-${Date.now()}`);
    const { mailer, sent } = slowMailer(200);
    const handler = sendEmailHandler({ config, database, logger }, mailer);
    const results = await Promise.allSettled([handler(fakeJob(outboxId, 'a')), handler(fakeJob(outboxId, 'b'))]);
    expect(sent).toEqual([outboxId]);
    // The loser leaves it to the claimant; a later run finds the email sent.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(results.map((r) => (r as PromiseFulfilledResult<{ status: string }>).value.status).sort()).toEqual([
      'claimed-elsewhere',
      'sent',
    ]);
    expect(await handler(fakeJob(outboxId, 'b'))).toEqual({ status: 'already-sent' });
    expect((await database.collections.emailOutbox.findOne({ _id: outboxId }))?.status).toBe('sent');
  });

  it('a claim abandoned mid-send (worker killed) is parked as unknown, not sent again', async () => {
    const outboxId = await pendingResetEmail(`crash-${Date.now()}`);
    await database.collections.emailOutbox.updateOne(
      { _id: outboxId },
      { $set: { status: 'sending', claimedBy: 'dead-worker', claimedAt: new Date(Date.now() - 10 * 60_000) } },
    );
    const { mailer, sent } = slowMailer(0);
    const handler = sendEmailHandler({ config, database, logger }, mailer);
    expect(await handler(fakeJob(outboxId, 'c'))).toEqual({ status: 'already-sent' });
    expect(sent).toEqual([]);
    expect((await database.collections.emailOutbox.findOne({ _id: outboxId }))?.status).toBe('unknown');
  });
});
