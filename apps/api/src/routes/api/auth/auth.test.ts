import { loadConfig } from '@simple-shop/config';
import { ObjectId, type UserDoc } from '@simple-shop/db';
import { spawnProcess, testEnv, TEST_JWT_SECRET } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../app';
import { bearer } from '../../../app.test-support';
import {
  argon2Spent,
  craftJwt,
  me,
  newUser,
  post,
  registered,
  STRONG_PASSWORD,
  writeSnapshot,
} from './auth.test-support';

/**
 * Accounts end to end on a real app (MongoDB, Redis, argon2 at the configured cost): register,
 * login, me, access-token attacks, bad input, admin listing and `pnpm make-admin`.
 * Refresh rotation, password reset and rate limits have their own files.
 */
const env = testEnv({ AUTH_RATE_LIMIT_MAX: '1000' });
let app: FastifyInstance;
beforeAll(async () => {
  app = await buildApp({ config: loadConfig(env) });
});
afterAll(async () => {
  await app?.close();
});

const SECRETS = /passwordHash|\$argon2|tokenHash/;

describe('register → login → me → refresh → logout', () => {
  it('completes the round trip and stores a normalised email and an argon2id hash', async () => {
    const body = newUser({ email: '  Ada.Round@Example.COM ', name: '  Ada Lovelace  ' });
    const reg = await post(app, '/api/auth/register', body);
    expect(reg.statusCode).toBe(201);
    expect(reg.body).not.toMatch(SECRETS);
    const session = reg.json();
    expect(Object.keys(session).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType', 'user']);
    expect(session.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      email: 'ada.round@example.com',
      name: 'Ada Lovelace',
      role: 'customer',
    });
    expect(session.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.expiresIn).toBe(900);

    const stored = (await app.deps.database.collections.users.findOne({
      _id: new ObjectId(session.user.id),
    })) as UserDoc;
    expect(stored.email).toBe('ada.round@example.com');
    expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    const refreshDoc = await app.deps.database.collections.refreshTokens.findOne({ userId: stored._id });
    expect(refreshDoc?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(refreshDoc?.tokenHash).not.toContain(session.refreshToken);

    const login = await post(app, '/api/auth/login', { email: 'ADA.round@example.com ', password: body.password });
    expect(login.statusCode).toBe(200);
    expect(login.body).not.toMatch(SECRETS);
    expect(login.json().user).toEqual(session.user);

    const profile = await me(app, login.json().accessToken);
    expect(profile.statusCode).toBe(200);
    expect(profile.body).not.toMatch(SECRETS);
    expect(profile.json()).toEqual(session.user);

    const refreshed = await post(app, '/api/auth/refresh', { refreshToken: login.json().refreshToken });
    expect(refreshed.statusCode).toBe(200);
    const pair = refreshed.json();
    expect(Object.keys(pair).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
    expect(pair.refreshToken).not.toBe(login.json().refreshToken);
    expect((await me(app, pair.accessToken)).json()).toEqual(session.user);

    const logout = await post(app, '/api/auth/logout', { refreshToken: pair.refreshToken });
    expect(logout.statusCode).toBe(204);
    expect(logout.body).toBe('');
    expect((await post(app, '/api/auth/refresh', { refreshToken: pair.refreshToken })).statusCode).toBe(401);
    // The session of the registration is another family and survives this logout.
    expect((await post(app, '/api/auth/refresh', { refreshToken: session.refreshToken })).statusCode).toBe(200);
  });

  it('answers logout with 204 for a revoked or unknown token too', async () => {
    const { refreshToken } = await registered(app);
    expect((await post(app, '/api/auth/logout', { refreshToken })).statusCode).toBe(204);
    expect((await post(app, '/api/auth/logout', { refreshToken })).statusCode).toBe(204);
    const unknown = await post(app, '/api/auth/logout', { refreshToken: 'A'.repeat(43) });
    expect(unknown.statusCode).toBe(204);
  });

  it('refuses a second account for the same email in any case or spacing (409 EMAIL_TAKEN)', async () => {
    const first = newUser({ email: 'grace@example.com' });
    expect((await post(app, '/api/auth/register', first)).statusCode).toBe(201);
    const before = await writeSnapshot(app);
    for (const email of ['grace@example.com', 'GRACE@Example.com', '  grace@example.com\t', ' Grace@EXAMPLE.COM ']) {
      const res = await post(app, '/api/auth/register', { ...newUser(), email });
      expect(res.statusCode, email).toBe(409);
      expect(res.json()).toEqual({ error: { code: 'EMAIL_TAKEN', message: expect.any(String) } });
    }
    expect(await writeSnapshot(app)).toEqual(before);
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const user = await registered(app);
    const wrong = await post(app, '/api/auth/login', { email: user.user.email, password: 'not the password' });
    const unknown = await post(app, '/api/auth/login', { email: 'nobody@example.com', password: 'whatever123' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'Invalid email or password' } });
    expect(unknown.json()).toEqual(wrong.json());
  });

  it('spends one argon2 verification on unknown emails too (no timing shortcut): counted, not timed', async () => {
    const user = await registered(app);
    const login = (email: string, password: string) => async () =>
      expect((await post(app, '/api/auth/login', { email, password })).statusCode).toBe(
        password === user.password ? 200 : 401,
      );
    // A wrong password costs one verification against the account's hash.
    expect(await argon2Spent(app, login(user.user.email, 'wrong password!'))).toEqual({
      hash: 0,
      verify: 1,
      verify_dummy: 0,
    });
    // An unknown email costs the same: one verification, against the dummy hash (same parameters).
    expect(await argon2Spent(app, login('ghost@example.com', 'wrong password!'))).toEqual({
      hash: 0,
      verify: 0,
      verify_dummy: 1,
    });
    // And the right password, one verification too.
    expect(await argon2Spent(app, login(user.user.email, user.password))).toEqual({
      hash: 0,
      verify: 1,
      verify_dummy: 0,
    });
  });

  it('exposes the argon2 work on /metrics', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/^auth_argon2_operations_total\{operation="verify_dummy"[^}]*\} [1-9]\d*$/m);
    expect(text).toMatch(/^auth_argon2_operations_total\{operation="hash"[^}]*\} [1-9]\d*$/m);
  });
});

describe('access tokens', () => {
  const claims = (sub: string, extra: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const standard = { iat: now, exp: now + 600, iss: 'simple-shop', aud: 'simple-shop-api' };
    return { sub, role: 'customer', sid: 'hand-made-login', ...standard, ...extra };
  };

  it('carries sub, role and its login (sid), HS256, iss/aud, and lives 15 minutes', async () => {
    const { accessToken, user } = await registered(app);
    const [header, payload] = accessToken
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'HS256' });
    expect(payload).toMatchObject({ sub: user.id, role: 'customer', iss: 'simple-shop', aud: 'simple-shop-api' });
    expect(payload.sid).toEqual(expect.any(String));
    expect(payload.exp - payload.iat).toBe(900);
  });

  it('accepts a hand-made token with the right key and claims (the control for the cases below)', async () => {
    const { user } = await registered(app);
    expect((await me(app, craftJwt(claims(user.id), TEST_JWT_SECRET))).statusCode).toBe(200);
  });

  it('refuses missing, expired, tampered, foreign-key, alg:none and wrong iss/aud tokens with 401', async () => {
    const { user, accessToken } = await registered(app);
    const now = Math.floor(Date.now() / 1000);
    const [h, p, s] = accessToken.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tamperedPayload = Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url');
    // Flip one character of the payload (keeping it valid base64url).
    const flipped = p.slice(0, 10) + (p[10] === 'A' ? 'B' : 'A') + p.slice(11);
    const cases: Record<string, string | undefined> = {
      missing: undefined,
      garbage: 'not-a-jwt',
      expired: craftJwt(claims(user.id, { iat: now - 1000, exp: now - 10 }), TEST_JWT_SECRET),
      'tampered (role admin)': `${h}.${tamperedPayload}.${s}`,
      'tampered (flipped char)': `${h}.${flipped}.${s}`,
      'signed with another secret': craftJwt(claims(user.id), 'another-secret-another-secret-another-secret-00'),
      'alg none': craftJwt(claims(user.id), '', { alg: 'none', typ: 'JWT' }),
      'alg none, signature kept': `${craftJwt(claims(user.id), '', { alg: 'none', typ: 'JWT' })}${s}`,
      'wrong issuer': craftJwt(claims(user.id, { iss: 'evil-shop' }), TEST_JWT_SECRET),
      'wrong audience': craftJwt(claims(user.id, { aud: 'other-api' }), TEST_JWT_SECRET),
      'HS512 with the right key': craftJwt(claims(user.id), TEST_JWT_SECRET, { alg: 'HS512', typ: 'JWT' }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode, name).toBe(401);
      expect(res.json(), name).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Missing or invalid access token' } });
    }
  });

  // fast-jwt checks iss/aud/exp only when present: `requiredClaims` makes them mandatory.
  it('refuses a correctly signed token that lacks aud, iss, exp, sub, role or sid', async () => {
    const { user } = await registered(app);
    for (const missing of ['aud', 'iss', 'exp', 'sub', 'role', 'sid']) {
      const { [missing]: _dropped, ...rest } = claims(user.id) as Record<string, unknown>;
      expect((await me(app, craftJwt(rest, TEST_JWT_SECRET))).statusCode, missing).toBe(401);
    }
  });

  it('401s a valid token whose user no longer exists', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: bearer(app, { sub: new ObjectId().toHexString(), role: 'customer' }),
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('bad input is a 400 with the standard body, and writes nothing', () => {
  const tenKb = 'x'.repeat(10_240);
  const cases: [string, string, unknown, string?][] = [
    ['register: missing password', '/api/auth/register', { email: 'a1@example.com', name: 'A' }],
    ['register: missing everything', '/api/auth/register', {}],
    [
      'register: name is a number',
      '/api/auth/register',
      { email: 'a2@example.com', password: STRONG_PASSWORD, name: 1 },
    ],
    [
      'register: extra field (role)',
      '/api/auth/register',
      { email: 'a3@example.com', password: STRONG_PASSWORD, name: 'A', role: 'admin' },
    ],
    ['register: 10 kB password', '/api/auth/register', { email: 'a4@example.com', password: tenKb, name: 'A' }],
    ['register: 7-char password', '/api/auth/register', { email: 'a5@example.com', password: 'abcdefg', name: 'A' }],
    [
      'register: 130-byte password of 65 chars',
      '/api/auth/register',
      { email: 'a6@example.com', password: 'é'.repeat(65), name: 'A' },
      'bytes',
    ],
    [
      'register: email as password',
      '/api/auth/register',
      { email: 'same.as.pw@example.com', password: 'Same.As.PW@example.com', name: 'A' },
      'email',
    ],
    [
      'register: operator object as email',
      '/api/auth/register',
      { email: { $ne: null }, password: STRONG_PASSWORD, name: 'A' },
    ],
    ['register: not an email', '/api/auth/register', { email: 'not-an-email', password: STRONG_PASSWORD, name: 'A' }],
    [
      'register: email over 254 chars',
      '/api/auth/register',
      {
        email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.com`,
        password: STRONG_PASSWORD,
        name: 'A',
      },
    ],
    ['register: blank name', '/api/auth/register', { email: 'a7@example.com', password: STRONG_PASSWORD, name: '   ' }],
    [
      'register: 101-char name',
      '/api/auth/register',
      { email: 'a8@example.com', password: STRONG_PASSWORD, name: 'n'.repeat(101) },
    ],
    ['login: operator objects', '/api/auth/login', { email: { $ne: null }, password: { $ne: null } }],
    ['login: operator as password', '/api/auth/login', { email: 'a9@example.com', password: { $gt: '' } }],
    ['login: 10 kB password', '/api/auth/login', { email: 'a9@example.com', password: tenKb }],
    ['login: extra field', '/api/auth/login', { email: 'a9@example.com', password: STRONG_PASSWORD, remember: true }],
    ['refresh: operator object', '/api/auth/refresh', { refreshToken: { $ne: null } }],
    ['refresh: missing token', '/api/auth/refresh', {}],
    ['logout: operator object', '/api/auth/logout', { refreshToken: { $exists: true } }],
    ['forgot: operator object', '/api/auth/forgot-password', { email: { $regex: '.*' } }],
    ['reset: operator object', '/api/auth/reset-password', { token: { $ne: null }, password: STRONG_PASSWORD }],
    ['reset: 7-char password', '/api/auth/reset-password', { token: 'A'.repeat(43), password: 'short12' }],
  ];

  it.each(cases)('%s', async (_name, url, payload, expectInMessage) => {
    const before = await writeSnapshot(app);
    let res!: Awaited<ReturnType<typeof post>>;
    // Refused before any argon2 work (a 10 kB password is never hashed): counted, not timed.
    expect(
      await argon2Spent(app, async () => {
        res = await post(app, url, payload);
      }),
    ).toEqual({ hash: 0, verify: 0, verify_dummy: 0 });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.message).toEqual(expect.any(String));
    expect(Array.isArray(body.error.details)).toBe(true);
    if (expectInMessage) expect(body.error.message).toContain(expectInMessage);
    expect(await writeSnapshot(app)).toEqual(before);
  });

  it('refuses a body that is not JSON, with the standard body', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('BAD_REQUEST');
  });
});

describe('GET /api/admin/users', () => {
  it('is 401 anonymous and 403 for a customer', async () => {
    const customer = await registered(app);
    expect((await app.inject({ method: 'GET', url: '/api/admin/users' })).statusCode).toBe(401);
    const res = await app.inject({
      method: 'GET',
      url: '/api/admin/users',
      headers: { authorization: `Bearer ${customer.accessToken}` },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
  });

  it('walks every user exactly once, newest first, with nextCursor (ties broken by id)', async () => {
    const users = app.deps.database.collections.users;
    const base = Date.UTC(2020, 0, 1);
    // 45 users over 15 distinct instants: three share each createdAt.
    const docs: UserDoc[] = Array.from({ length: 45 }, (_, i) => ({
      _id: new ObjectId(),
      email: `page${i}@example.com`,
      name: `Page ${i}`,
      role: 'customer',
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$fake$fake',
      createdAt: new Date(base + Math.floor(i / 3) * 1000),
      updatedAt: new Date(base),
    }));
    await users.insertMany(docs);
    const admin = bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' });

    const first = await app.inject({ method: 'GET', url: '/api/admin/users', headers: admin });
    expect(first.statusCode).toBe(200);
    expect(first.json().items).toHaveLength(20); // default limit
    expect(first.body).not.toMatch(SECRETS);

    const seen: { id: string; createdAt: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/admin/users?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await app.inject({ method: 'GET', url, headers: admin });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toMatch(SECRETS);
      const page = res.json();
      for (const item of page.items) {
        expect(Object.keys(item).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'role']);
      }
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);

    const total = await users.countDocuments();
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((u) => u.id)).size).toBe(total);
    const expected = (await users.find().toArray())
      .sort(
        (a, b) =>
          b.createdAt.getTime() - a.createdAt.getTime() || b._id.toHexString().localeCompare(a._id.toHexString()),
      )
      .map((u) => u._id.toHexString());
    expect(seen.map((u) => u.id)).toEqual(expected);
    expect(pages).toBe(Math.ceil(total / 7));
  });

  it('validates limit and cursor', async () => {
    const admin = bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' });
    for (const url of ['/api/admin/users?limit=0', '/api/admin/users?limit=101', '/api/admin/users?limit=x']) {
      const res = await app.inject({ method: 'GET', url, headers: admin });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_ERROR');
    }
    const bad = await app.inject({ method: 'GET', url: '/api/admin/users?cursor=bm9wZQ', headers: admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_CURSOR');
    const max = await app.inject({ method: 'GET', url: '/api/admin/users?limit=100', headers: admin });
    expect(max.statusCode).toBe(200);
  });
});

describe('pnpm make-admin <email>', () => {
  it('promotes a user (effective with the next token) and exits 1 for an unknown email', async () => {
    const user = await registered(app, newUser({ email: 'future.admin@example.com' }));
    const run = spawnProcess('scripts/make-admin.ts', env, { args: ['  Future.Admin@example.com '] });
    expect((await run.exited).code).toBe(0);
    expect(run.output()).toMatch(/future\.admin@example\.com is now an admin/i);

    const login = await post(app, '/api/auth/login', { email: 'future.admin@example.com', password: user.password });
    expect(login.json().user.role).toBe('admin');
    const list = await app.inject({
      method: 'GET',
      url: '/api/admin/users?limit=1',
      headers: { authorization: `Bearer ${login.json().accessToken}` },
    });
    expect(list.statusCode).toBe(200);
    // A refresh also picks up the new role.
    const refreshed = await post(app, '/api/auth/refresh', { refreshToken: user.refreshToken });
    expect((await me(app, refreshed.json().accessToken)).json().role).toBe('admin');

    const missing = spawnProcess('scripts/make-admin.ts', env, { args: ['nobody@example.com'] });
    expect((await missing.exited).code).toBe(1);
    expect(missing.output()).toMatch(/No user with the email/);
  });
});
