import { emailJobId } from '@simple-shop/queue';
import { loadConfig } from '@simple-shop/config';
import { spawnProcess, testEnv, waitFor, type SpawnedProcess } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../app';
import { post, registered } from './auth.test-support';

/**
 * The reset email really travels API → MongoDB outbox → Redis/BullMQ → a separate worker process,
 * which sends it (log transport: SMTP_URL unset) and marks it sent. The token is then taken from
 * the outbox document — what the email would carry — and used to reset the password.
 */
const env = testEnv({ LOG_LEVEL: 'info', WORKER_PORT: '0', AUTH_RATE_LIMIT_MAX: '1000', JOB_BACKOFF_MS: '50' });
let app: FastifyInstance;
let worker: SpawnedProcess;

beforeAll(async () => {
  worker = spawnProcess('apps/worker/src/main.ts', env);
  app = await buildApp({ config: loadConfig({ ...env, LOG_LEVEL: 'silent' }) });
  await worker.waitForLine(/worker http listening/, 20_000);
});
afterAll(async () => {
  await app?.close();
  await worker?.stop();
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

    // The worker logged the email (kind, recipient, outbox ID) but never its link or token.
    const line = await worker.waitForLine(new RegExp(`"outboxId":"${sent._id}".*email logged`), 5000);
    expect(JSON.parse(line)).toMatchObject({
      kind: 'password_reset',
      to: user.user.email,
      correlationId: 'e2e-reset-1',
    });
    const token = new URL(String(sent.data.resetUrl)).searchParams.get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(worker.output()).not.toContain(token);

    const newPassword = 'reset through the worker';
    expect((await post(app, '/api/auth/reset-password', { token, password: newPassword })).statusCode).toBe(204);
    expect((await post(app, '/api/auth/login', { email: user.user.email, password: newPassword })).statusCode).toBe(
      200,
    );
    expect((await post(app, '/api/auth/login', { email: user.user.email, password: user.password })).statusCode).toBe(
      401,
    );
    expect((await post(app, '/api/auth/refresh', { refreshToken: user.refreshToken })).statusCode).toBe(401);
  });
});
