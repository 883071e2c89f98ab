import { loadConfig } from '@simple-shop/config';
import { testEnv } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../app';
import { hashToken } from '../../../services/auth/tokens';
import { capturingLogger, me, newUser, post, registered, writeSnapshot } from './auth.test-support';

/**
 * Refresh tokens: rotation, reuse detection (family revocation, security log), race safety,
 * expiry and logout.
 */
const capture = capturingLogger();
let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({ config: loadConfig(testEnv({ AUTH_RATE_LIMIT_MAX: '1000' })), logger: capture.logger });
});
afterAll(async () => {
  await app?.close();
});

const refresh = (refreshToken: string) => post(app, '/api/auth/refresh', { refreshToken });
const login = (email: string, password: string) => post(app, '/api/auth/login', { email, password });

describe('POST /api/auth/refresh', () => {
  it('rotates: each token works once and the new pair works', async () => {
    const session = await registered(app);
    const first = await refresh(session.refreshToken);
    expect(first.statusCode).toBe(200);
    const second = await refresh(first.json().refreshToken);
    expect(second.statusCode).toBe(200);
    expect(new Set([session.refreshToken, first.json().refreshToken, second.json().refreshToken]).size).toBe(3);
    expect((await me(app, second.json().accessToken)).statusCode).toBe(200);
    const spent = await app.deps.database.collections.refreshTokens.findOne({
      tokenHash: hashToken(session.refreshToken),
    });
    expect(spent?.usedAt).toBeInstanceOf(Date);
  });

  it('a spent token fails, revokes its whole family (the newest token too) and is logged; other logins survive', async () => {
    const user = await registered(app);
    const phone = await login(user.user.email, user.password); // another family of the same user
    expect(phone.statusCode).toBe(200);

    const rotated = await refresh(user.refreshToken);
    expect(rotated.statusCode).toBe(200);
    const newest = rotated.json().refreshToken as string;

    // The thief (or the victim) presents the spent token.
    const replay = await refresh(user.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toEqual({
      error: { code: 'INVALID_REFRESH_TOKEN', message: 'Invalid or expired refresh token' },
    });
    // ... and from now on the newest token of that family is dead too, and so are its access tokens.
    expect((await refresh(newest)).statusCode).toBe(401);
    expect((await me(app, rotated.json().accessToken)).statusCode).toBe(401);
    expect((await me(app, user.accessToken)).statusCode).toBe(401);

    const family = await app.deps.database.collections.refreshTokens.findOne({ tokenHash: hashToken(newest) });
    expect(family?.revokedReason).toBe('reuse-detected');
    // The other login of the same user is untouched.
    const other = await refresh(phone.json().refreshToken);
    expect(other.statusCode).toBe(200);
    expect((await me(app, phone.json().accessToken)).statusCode).toBe(200);

    const event = capture.records().find((r) => r.event === 'refresh_token_reuse' && r.userId === user.user.id);
    expect(event).toMatchObject({ level: 'warn', userId: user.user.id, familyId: family?.familyId });
    const allLogs = capture.lines.join('\n');
    expect(allLogs).not.toContain(user.refreshToken);
    expect(allLogs).not.toContain(newest);
    expect(allLogs).not.toContain(hashToken(user.refreshToken));
  });

  it('of two concurrent refreshes with the same token exactly one succeeds', async () => {
    for (let round = 0; round < 10; round += 1) {
      const session = await registered(app);
      const results = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes).toEqual([200, 401]);
      // The loser counts as reuse: the family is revoked, including the winner's new token.
      const winner = results.find((r) => r.statusCode === 200)!;
      expect((await refresh(winner.json().refreshToken)).statusCode).toBe(401);
    }
  });

  it('of five concurrent refreshes exactly one succeeds', async () => {
    const session = await registered(app);
    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(session.refreshToken)));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 401)).toHaveLength(4);
  });

  it('refuses an expired refresh token (even before the TTL index removes it)', async () => {
    const session = await registered(app);
    await app.deps.database.collections.refreshTokens.updateOne(
      { tokenHash: hashToken(session.refreshToken) },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const before = await writeSnapshot(app);
    const res = await refresh(session.refreshToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('INVALID_REFRESH_TOKEN');
    expect(await writeSnapshot(app)).toEqual(before);
  });

  it('refuses an unknown token and writes nothing', async () => {
    await registered(app);
    const before = await writeSnapshot(app);
    const res = await refresh('x'.repeat(43));
    expect(res.statusCode).toBe(401);
    expect(await writeSnapshot(app)).toEqual(before);
  });

  it('refuses a refresh token of a deleted user', async () => {
    const session = await registered(app, newUser());
    await app.deps.database.collections.users.deleteOne({ email: session.user.email });
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
  });

  it('stores tokens with a TTL index on expiresAt', async () => {
    const indexes = await app.deps.database.collections.refreshTokens.indexes();
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 }),
        expect.objectContaining({ key: { tokenHash: 1 }, unique: true }),
      ]),
    );
  });
});

describe('POST /api/auth/logout', () => {
  it('revokes the family of the presented token, even when it is an older, spent one', async () => {
    const session = await registered(app);
    const rotated = await refresh(session.refreshToken);
    const newest = rotated.json().refreshToken as string;
    const other = await login(session.user.email, session.password);

    expect((await post(app, '/api/auth/logout', { refreshToken: newest })).statusCode).toBe(204);
    expect((await refresh(newest)).statusCode).toBe(401);
    expect((await refresh(other.json().refreshToken)).statusCode).toBe(200);
  });

  it("ends the login's access tokens at once (issued before or after a rotation); other logins keep theirs", async () => {
    const session = await registered(app);
    const rotated = await refresh(session.refreshToken);
    const other = await login(session.user.email, session.password);
    const tokensOfLogin = [session.accessToken, rotated.json().accessToken as string];
    for (const token of tokensOfLogin) expect((await me(app, token)).statusCode).toBe(200);

    expect((await post(app, '/api/auth/logout', { refreshToken: rotated.json().refreshToken })).statusCode).toBe(204);
    for (const token of tokensOfLogin) {
      const res = await me(app, token);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Missing or invalid access token' } });
    }
    expect((await me(app, other.json().accessToken)).statusCode).toBe(200);
    // Listed in Redis only as long as a token of that login could still be valid.
    const family = await app.deps.database.collections.refreshTokens.findOne({
      tokenHash: hashToken(session.refreshToken),
    });
    const ttl = await app.deps.redis.ttl(`${app.deps.config.REDIS_KEY_PREFIX}:auth:revoked:${family!.familyId}`);
    expect(ttl).toBeGreaterThan(app.deps.config.ACCESS_TOKEN_TTL_SECONDS - 5);
    expect(ttl).toBeLessThanOrEqual(app.deps.config.ACCESS_TOKEN_TTL_SECONDS + 60);
  });
});
