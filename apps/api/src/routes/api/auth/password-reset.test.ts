import { emailJobId } from '@simple-shop/queue';
import { loadConfig } from '@simple-shop/config';
import { type CommandStartedEvent, type EmailOutboxDoc } from '@simple-shop/db';
import { testEnv, waitFor } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../app';
import { hashToken } from '../../../services/auth/tokens';
import { capturingLogger, me, newUser, post, registered, STRONG_PASSWORD, writeSnapshot } from './auth.test-support';

/**
 * Forgot/reset password against the API alone: the email is written to the outbox and queued
 * (a real BullMQ job); the token is read back from the outbox document, as the worker would.
 * The worker-process path is proven in password-reset.e2e.test.ts.
 */
const capture = capturingLogger();
let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({
    config: loadConfig(testEnv({ AUTH_RATE_LIMIT_MAX: '1000', PUBLIC_APP_URL: 'https://shop.example/' })),
    logger: capture.logger,
  });
});
afterAll(async () => {
  await app?.close();
});

const forgot = (email: string, requestId?: string) =>
  post(app, '/api/auth/forgot-password', { email }, requestId ? { headers: { 'x-request-id': requestId } } : {});
const reset = (token: string, password: string) => post(app, '/api/auth/reset-password', { token, password });
const login = (email: string, password: string) => post(app, '/api/auth/login', { email, password });

/** Waits for the reset email of `email` and returns its outbox document and raw token. */
async function resetEmailFor(email: string, after = new Date(0)): Promise<{ doc: EmailOutboxDoc; token: string }> {
  const doc = await waitFor(
    async () => {
      const found = await app.deps.database.collections.emailOutbox.findOne(
        { kind: 'password_reset', to: email, createdAt: { $gt: after } },
        { sort: { createdAt: -1 } },
      );
      expect(found).not.toBeNull();
      return found as EmailOutboxDoc;
    },
    { timeoutMs: 5000 },
  );
  const token = new URL(String(doc.data.resetUrl)).searchParams.get('token');
  return { doc, token: token as string };
}

describe('POST /api/auth/forgot-password', () => {
  it('answers known and unknown emails identically, and queues one email for the known one', async () => {
    const user = await registered(app);
    const before = await writeSnapshot(app);
    const unknown = await forgot('nobody-here@example.com');
    const known = await forgot(`  ${user.user.email.toUpperCase()} `, 'corr-forgot-1');
    expect(unknown.statusCode).toBe(202);
    expect(known.statusCode).toBe(202);
    expect(known.body).toBe(unknown.body);
    expect(known.json()).toEqual({ status: 'accepted' });

    const { doc, token } = await resetEmailFor(user.user.email);
    const tokenDoc = await app.deps.database.collections.passwordResetTokens.findOne({ tokenHash: hashToken(token) });
    expect(tokenDoc).not.toBeNull();
    expect(doc).toMatchObject({
      _id: `password_reset:${tokenDoc!._id.toHexString()}`,
      kind: 'password_reset',
      to: user.user.email,
      status: 'pending',
      attempts: 0,
      data: { name: user.user.name, resetUrl: `https://shop.example/reset-password?token=${token}` },
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // 30 minutes, stored hashed only.
    const ttl = tokenDoc!.expiresAt.getTime() - tokenDoc!.createdAt.getTime();
    expect(ttl).toBe(30 * 60 * 1000);
    expect(JSON.stringify(tokenDoc)).not.toContain(token);

    // A real BullMQ job, named after the outbox document, carrying only its ID and the request ID.
    const job = await app.deps.queues.emails.queue.getJob(emailJobId(doc._id));
    expect(job?.data).toEqual({ outboxId: doc._id, correlationId: 'corr-forgot-1' });

    // Exactly one token and one email were written: none for the unknown address.
    const after = await writeSnapshot(app);
    expect(after.resetTokens.filter((t) => t._id.equals(tokenDoc!._id))).toHaveLength(1);
    expect(after.outbox.filter((o) => o._id === doc._id)).toHaveLength(1);
    expect({
      ...after,
      resetTokens: after.resetTokens.filter((t) => !t._id.equals(tokenDoc!._id)),
      outbox: after.outbox.filter((o) => o._id !== doc._id),
    }).toEqual(before);
    // Nothing logged the token or the link.
    expect(capture.lines.join('\n')).not.toContain(token);
  });

  it('does the same work for known and unknown emails before answering (counted MongoDB commands, not time)', async () => {
    const user = await registered(app);
    // Every MongoDB command the app starts, in order, with a marker where each answer arrived.
    const events: string[] = [];
    const onCommand = (event: CommandStartedEvent) => {
      const target = event.command[event.commandName];
      events.push(`${event.commandName} ${typeof target === 'string' ? target : ''}`.trim());
    };
    app.deps.database.client.on('commandStarted', onCommand);
    const workOf = async (email: string) => {
      events.length = 0;
      expect((await forgot(email)).statusCode).toBe(202);
      events.push('answered');
      await app.authService.drain(); // the reset email prepared after the answer, if any
      return [...events];
    };
    try {
      const known = await workOf(user.user.email);
      const unknown = await workOf('ghost-of-nobody@example.com');
      const beforeAnswer = (work: string[]) => work.slice(0, work.indexOf('answered'));
      // Before the answer: the same commands, one lookup of the account, nothing written.
      expect(beforeAnswer(known)).toEqual(['find users']);
      expect(beforeAnswer(unknown)).toEqual(beforeAnswer(known));
      // After it: the token and the outbox email for the known account only.
      expect(known.slice(known.indexOf('answered') + 1)).toEqual([
        'insert password-reset-tokens',
        'update email-outbox', // an upsert of the outbox document
      ]);
      expect(unknown.slice(unknown.indexOf('answered') + 1)).toEqual([]);
    } finally {
      app.deps.database.client.off('commandStarted', onCommand);
    }
  });
});

describe('POST /api/auth/reset-password', () => {
  it('sets the new password, works once, and logs out every session', async () => {
    const user = await registered(app);
    const otherSession = await login(user.user.email, user.password);
    const started = new Date();
    await forgot(user.user.email);
    const { token } = await resetEmailFor(user.user.email, new Date(started.getTime() - 1));

    const newPassword = 'a brand new passphrase';
    for (const accessToken of [user.accessToken, otherSession.json().accessToken])
      expect((await me(app, accessToken)).statusCode).toBe(200);
    const res = await reset(token, newPassword);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    // Access tokens of every earlier login end at once, not when their 15 minutes run out.
    for (const accessToken of [user.accessToken, otherSession.json().accessToken])
      expect((await me(app, accessToken)).statusCode).toBe(401);

    expect((await login(user.user.email, user.password)).statusCode).toBe(401);
    const fresh = await login(user.user.email, newPassword);
    expect(fresh.statusCode).toBe(200);
    expect((await me(app, fresh.json().accessToken)).statusCode).toBe(200);
    // Every refresh token issued before the reset is dead.
    for (const refreshToken of [user.refreshToken, otherSession.json().refreshToken]) {
      const refreshed = await post(app, '/api/auth/refresh', { refreshToken });
      expect(refreshed.statusCode).toBe(401);
    }
    const again = await reset(token, 'yet another passphrase');
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ error: { code: 'INVALID_RESET_TOKEN', message: expect.any(String) } });
    expect((await login(user.user.email, newPassword)).statusCode).toBe(200);
    expect(capture.lines.join('\n')).not.toContain(token);
  });

  it('refuses an expired token and leaves the password alone', async () => {
    const user = await registered(app);
    await forgot(user.user.email);
    const { token } = await resetEmailFor(user.user.email);
    await app.deps.database.collections.passwordResetTokens.updateOne(
      { tokenHash: hashToken(token) },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const res = await reset(token, 'another good password');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_RESET_TOKEN');
    expect((await login(user.user.email, user.password)).statusCode).toBe(200);
  });

  it('refuses an unknown token with the same answer', async () => {
    const before = await writeSnapshot(app);
    const res = await reset('Z'.repeat(43), 'another good password');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('INVALID_RESET_TOKEN');
    expect(await writeSnapshot(app)).toEqual(before);
  });

  it('applies the password policy without burning the token', async () => {
    const user = await registered(app, newUser({ email: 'policy.reset@example.com' }));
    await forgot(user.user.email);
    const { token } = await resetEmailFor(user.user.email);
    const asEmail = await reset(token, 'POLICY.reset@example.com');
    expect(asEmail.statusCode).toBe(400);
    expect(asEmail.json().error.code).toBe('VALIDATION_ERROR');
    const tooLong = await reset(token, '€'.repeat(43)); // 43 characters, 129 bytes
    expect(tooLong.statusCode).toBe(400);
    expect((await login(user.user.email, user.password)).statusCode).toBe(200);
    expect((await reset(token, STRONG_PASSWORD.toUpperCase())).statusCode).toBe(204);
  });

  it('of concurrent resets with one token exactly one succeeds', async () => {
    const user = await registered(app);
    await forgot(user.user.email);
    const { token } = await resetEmailFor(user.user.email);
    const results = await Promise.all(
      ['first password one', 'second password two', 'third password three'].map((p) => reset(token, p)),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 400, 400]);
  });
});
