import { emailJobId } from '@simple-shop/queue';
import { loadConfig } from '@simple-shop/config';
import {
  spawnProcess,
  startSmtpCatcher,
  testEnv,
  waitFor,
  type SmtpCatcher,
  type SpawnedProcess,
} from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../app';
import { post, registered } from './auth.test-support';

/**
 * The reset email really travels API → MongoDB outbox → Redis/BullMQ → a separate worker process,
 * which sends it over SMTP (to a local catcher) and marks it sent. The token is taken from the email
 * and used to reset the password; the outbox keeps no copy of the link once it is sent.
 */
const env = testEnv({ LOG_LEVEL: 'info', WORKER_PORT: '0', AUTH_RATE_LIMIT_MAX: '1000', JOB_BACKOFF_MS: '50' });
let app: FastifyInstance;
let worker: SpawnedProcess;
let smtp: SmtpCatcher;

beforeAll(async () => {
  smtp = await startSmtpCatcher();
  worker = spawnProcess('apps/worker/src/main.ts', { ...env, SMTP_URL: smtp.url });
  app = await buildApp({ config: loadConfig({ ...env, LOG_LEVEL: 'silent' }) });
  await worker.waitForLine(/worker http listening/, 20_000);
});
afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await smtp?.stop();
});

describe('forgot → worker → reset', () => {
  it('sends the reset email through the worker, and its link resets the password', async () => {
    const user = await registered(app);
    const res = await post(
      app,
      '/api/auth/forgot-password',
      { email: user.user.email },
      { headers: { 'x-request-id': 'e2e-reset-1' } },
    );
    expect(res.statusCode).toBe(202);

    const outbox = app.deps.database.collections.emailOutbox;
    const sent = await waitFor(
      async () => {
        const doc = await outbox.findOne({ kind: 'password_reset', to: user.user.email });
        expect(doc?.status).toBe('sent');
        return doc!;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(sent).toMatchObject({ attempts: 1, messageId: `<${sent._id}@simple-shop>`, sentAt: expect.any(Date) });
    const job = await app.deps.queues.emails.queue.getJob(emailJobId(sent._id));
    expect(await job?.getState()).toBe('completed');

    // The worker logged the email (kind, masked recipient, outbox ID) but never its link, token or address.
    const line = await worker.waitForLine(new RegExp(`"outboxId":"${sent._id}".*email sent`), 5000);
    expect(JSON.parse(line)).toMatchObject({
      kind: 'password_reset',
      to: `${user.user.email[0]}***@example.com`,
      correlationId: 'e2e-reset-1',
    });
    expect(worker.output()).not.toContain(user.user.email);
    // Sent: the outbox no longer holds the link.
    expect(sent.data).toEqual({ name: user.user.name });
    const [mail] = await smtp.waitForMessages(1);
    const token = /reset-password\?token=([A-Za-z0-9_-]{43})/.exec(mail!.text)?.[1];
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(worker.output()).not.toContain(token!);

    const newPassword = 'reset through the worker';
    expect((await post(app, '/api/auth/reset-password', { token: token!, password: newPassword })).statusCode).toBe(
      204,
    );
    expect((await post(app, '/api/auth/login', { email: user.user.email, password: newPassword })).statusCode).toBe(
      200,
    );
    expect((await post(app, '/api/auth/login', { email: user.user.email, password: user.password })).statusCode).toBe(
      401,
    );
    expect((await post(app, '/api/auth/refresh', { refreshToken: user.refreshToken })).statusCode).toBe(401);
  });
});
