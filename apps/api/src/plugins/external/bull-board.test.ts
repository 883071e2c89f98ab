import { randomBytes } from 'node:crypto';
import { ObjectId } from '@simple-shop/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../../app.test-support';
import { issueBoardToken } from '../../services/auth/board-tokens';
import { BOARD_COOKIE } from './bull-board';

const admin = { sub: new ObjectId().toHexString(), role: 'admin' as const, sid: 'board-test-admin-login' };
const customer = { sub: new ObjectId().toHexString(), role: 'customer' as const, sid: 'board-test-customer-login' };
const QUEUES = ['emails', 'maintenance', 'stripe-events'];
const STOREFRONT = 'http://shop.test';

/** The board-session route reads the role from the database: the test admin must exist there. */
async function insertAdmin(app: FastifyInstance): Promise<void> {
  const now = new Date();
  await app.deps.database.collections.users.updateOne(
    { _id: new ObjectId(admin.sub) },
    {
      $setOnInsert: {
        email: `board-test-${admin.sub}@example.test`,
        name: 'Board admin',
        role: 'admin',
        passwordHash: '$argon2id$unused-in-this-test',
        createdAt: now,
        updatedAt: now,
      },
    },
    { upsert: true },
  );
}

/** The `shop_board` cookie the board-session route hands an admin. */
async function boardCookie(app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/admin/board-session', headers: bearer(app, admin) });
  expect(res.statusCode).toBe(204);
  const cookie = res.cookies.find((c) => c.name === BOARD_COOKIE);
  expect(cookie).toBeDefined();
  return cookie!.value;
}

describe('Bull Board at /admin/queues (BULL_BOARD_READ_ONLY=false)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp({ BULL_BOARD_READ_ONLY: 'false' });
    await insertAdmin(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('refuses anonymous callers with 401 and the standard error body (API and static files)', async () => {
    for (const url of ['/admin/queues/api/queues', '/admin/queues/static/favicon.ico']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
  });

  it('sends anonymous page visits to the login form (303)', async () => {
    for (const url of ['/admin/queues', '/admin/queues/', '/admin/queues/queue/emails']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe('/admin/queues/login');
    }
    const stale = await app.inject({ method: 'GET', url: '/admin/queues/', cookies: { [BOARD_COOKIE]: 'not-a-jwt' } });
    expect(stale.statusCode).toBe(303);
  });

  it('refuses a tampered or foreign-key cookie with 401', async () => {
    const good = await boardCookie(app);
    const tampered = `${good.slice(0, -3)}${good.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    for (const value of [tampered, 'not-a-jwt']) {
      const res = await app.inject({
        method: 'GET',
        url: '/admin/queues/api/queues',
        cookies: { [BOARD_COOKIE]: value },
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses an access token as the board cookie (wrong audience)', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      cookies: { [BOARD_COOKIE]: app.jwt.sign(admin) },
    });
    expect(res.statusCode).toBe(401);
  });

  it('refuses a customer with 403 (cookie or bearer), and a customer cannot get a board session', async () => {
    // A board token whose role is not admin (none is issued that way; the guard checks anyway).
    const token = issueBoardToken(app.jwt, app.deps.config.JWT_AUDIENCE, customer)!.token;
    const byCookie = await app.inject({ method: 'GET', url: '/admin/queues', cookies: { [BOARD_COOKIE]: token } });
    expect(byCookie.statusCode).toBe(403);
    expect(byCookie.json()).toEqual({ error: { code: 'FORBIDDEN', message: 'Admin role required' } });
    const byBearer = await app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: bearer(app, customer),
    });
    expect(byBearer.statusCode).toBe(403);

    const session = await app.inject({
      method: 'POST',
      url: '/api/admin/board-session',
      headers: bearer(app, customer),
    });
    expect(session.statusCode).toBe(403);
    expect(session.headers['set-cookie']).toBeUndefined();
    const anonymous = await app.inject({ method: 'POST', url: '/api/admin/board-session' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['set-cookie']).toBeUndefined();
  });

  it('sets the board cookie HttpOnly, SameSite=Strict, Path=/admin/queues, Max-Age <= 900 (not Secure in test)', async () => {
    const access = bearer(app, admin);
    const accessExp = app.jwt.decode<{ exp: number }>(access.authorization.slice('Bearer '.length))!.exp;
    const res = await app.inject({ method: 'POST', url: '/api/admin/board-session', headers: access });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const raw = String(res.headers['set-cookie']);
    expect(raw).toMatch(/^shop_board=[\w-]+\.[\w-]+\.[\w-]+; /);
    const attributes = raw.split('; ').slice(1).sort();
    expect(attributes).toEqual([
      'HttpOnly',
      expect.stringMatching(/^Max-Age=\d+$/),
      'Path=/admin/queues',
      'SameSite=Strict',
    ]);

    const payload = app.jwt.decode<{ sub: string; role: string; iat: number; exp: number }>(res.cookies[0]!.value)!;
    expect(payload).toMatchObject({ sub: admin.sub, role: 'admin' });
    // As long as the access token has left (a 900 s one was just signed), never more than 900 s.
    expect(payload.exp).toBe(Math.min(accessExp, payload.iat + 900));
    expect(Number(/Max-Age=(\d+)/.exec(raw)?.[1])).toBe(payload.exp - payload.iat);
  });

  it('DELETE /api/admin/board-session expires the cookie on the same path', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/api/admin/board-session', headers: bearer(app, admin) });
    expect(res.statusCode).toBe(204);
    const raw = String(res.headers['set-cookie']);
    expect(raw).toMatch(/^shop_board=; /);
    expect(raw).toContain('Path=/admin/queues');
    expect(raw).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
  });

  it("closes the board session when the admin's login ends (logout or password reset revoke its sid)", async () => {
    const login = { ...admin, sid: `board-test-login-${new ObjectId().toHexString()}` };
    const res = await app.inject({ method: 'POST', url: '/api/admin/board-session', headers: bearer(app, login) });
    const cookies = { [BOARD_COOKIE]: res.cookies.find((c) => c.name === BOARD_COOKIE)!.value };
    expect((await app.inject({ method: 'GET', url: '/admin/queues', cookies })).statusCode).toBe(200);
    await app.sessionRevocations.revoke([login.sid], app.log);
    const after = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', cookies });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'Missing or invalid board session' } });
    const page = await app.inject({ method: 'GET', url: '/admin/queues', cookies });
    expect(page.statusCode).toBe(303);
  });

  it('serves an admin the board HTML, its static assets and its API (3 queues) under a CSP that allows them', async () => {
    const cookie = await boardCookie(app);
    const cookies = { [BOARD_COOKIE]: cookie };

    const page = await app.inject({ method: 'GET', url: '/admin/queues', cookies });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('<base href="/admin/queues/" />');
    expect(page.body).toContain('Simple Shop queues');
    const csp = page.headers['content-security-policy'];
    expect(typeof csp).toBe('string');
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' data: blob:");
    // No third-party origin: the Google Fonts link is taken out of the page.
    expect(csp).not.toContain('googleapis');
    expect(page.body).not.toContain('fonts.googleapis.com');
    expect(page.body).toContain('rel="stylesheet"');
    expect(csp).toContain("frame-ancestors 'none'");

    // Every script and stylesheet the page links to is served (relative to <base>) behind the guard.
    const assets = [...page.body.matchAll(/(?:src|href)="(static\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      const res = await app.inject({ method: 'GET', url: `/admin/queues/${asset}`, cookies });
      expect(res.statusCode, asset).toBe(200);
      expect(res.headers['content-type'], asset).toMatch(asset.endsWith('.js') ? /javascript/ : /text\/css/);
      expect(res.body.length, asset).toBeGreaterThan(100);
      const anonymous = await app.inject({ method: 'GET', url: `/admin/queues/${asset}` });
      expect(anonymous.statusCode, asset).toBe(401);
    }

    const api = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', cookies });
    expect(api.statusCode).toBe(200);
    const queues = api.json().queues as { name: string; readOnlyMode: boolean }[];
    expect(queues.map((q) => q.name).sort()).toEqual(QUEUES);
    expect(queues.every((q) => q.readOnlyMode === false)).toBe(true);

    // A bearer access token works too (scripts, curl).
    const byBearer = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: bearer(app, admin) });
    expect(byBearer.statusCode).toBe(200);
  });

  it('keeps the strict CSP everywhere else', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    const csp = res.headers['content-security-policy'];
    expect(typeof csp).toBe('string');
    expect(String(csp).split(';')).toEqual(
      expect.arrayContaining(["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"]),
    );
    expect(csp).not.toContain('blob:');
  });

  it('lets a writable board pause and resume a queue', async () => {
    const cookies = { [BOARD_COOKIE]: await boardCookie(app) };
    const pause = await app.inject({ method: 'PUT', url: '/admin/queues/api/queues/maintenance/pause', cookies });
    expect(pause.statusCode).toBe(200);
    expect(await app.deps.queues.maintenance.queue.isPaused()).toBe(true);
    const resume = await app.inject({ method: 'PUT', url: '/admin/queues/api/queues/maintenance/resume', cookies });
    expect(resume.statusCode).toBe(200);
    expect(await app.deps.queues.maintenance.queue.isPaused()).toBe(false);
  });
});

describe('Bull Board by default (BULL_BOARD_READ_ONLY unset)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp({ CORS_ORIGINS: STOREFRONT });
    await insertAdmin(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('sends no CORS headers on the board prefix, even to an allowed storefront origin', async () => {
    const cookies = { [BOARD_COOKIE]: await boardCookie(app) };
    const preflight = (url: string) =>
      app.inject({
        method: 'OPTIONS',
        url,
        headers: { origin: STOREFRONT, 'access-control-request-method': 'PUT' },
      });
    // Control: the API itself does answer the storefront's preflight.
    const api = await preflight('/api/cart');
    expect(api.headers['access-control-allow-origin']).toBe(STOREFRONT);
    for (const url of [
      '/admin/queues/api/queues/maintenance/pause',
      '/admin/queues/login',
      '/admin/queues',
      '/admin/queues/nowhere',
    ]) {
      const res = await preflight(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['access-control-allow-origin'], url).toBeUndefined();
      expect(res.headers['access-control-allow-credentials'], url).toBeUndefined();
    }
    // A path under the prefix that no route serves: the API's 404, still without CORS headers.
    const unknown = await app.inject({ method: 'GET', url: '/admin/queues/nowhere', headers: { origin: STOREFRONT } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'Route GET /admin/queues/nowhere not found' },
    });
    expect(unknown.headers['access-control-allow-origin']).toBeUndefined();
    expect(unknown.headers['access-control-allow-credentials']).toBeUndefined();
    const read = await app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: { origin: STOREFRONT },
      cookies,
    });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    expect(read.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('marks every queue read-only and refuses actions', async () => {
    const cookies = { [BOARD_COOKIE]: await boardCookie(app) };
    const api = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', cookies });
    expect(api.statusCode).toBe(200);
    const queues = api.json().queues as { name: string; readOnlyMode: boolean }[];
    expect(queues.map((q) => [q.name, q.readOnlyMode]).sort()).toEqual(QUEUES.map((name) => [name, true]));

    const pause = await app.inject({ method: 'PUT', url: '/admin/queues/api/queues/maintenance/pause', cookies });
    expect(pause.statusCode).toBe(405);
    expect(await app.deps.queues.maintenance.queue.isPaused()).toBe(false);
  });
});

describe('board cookie outside development/test', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    // Production refuses the repository's test secrets: a secret of its own.
    app = await buildTestApp({ NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('hex') });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('is Secure', async () => {
    await insertAdmin(app);
    const res = await app.inject({ method: 'POST', url: '/api/admin/board-session', headers: bearer(app, admin) });
    expect(res.statusCode).toBe(204);
    const attributes = String(res.headers['set-cookie']).split('; ').slice(1).sort();
    expect(attributes).toEqual([
      'HttpOnly',
      expect.stringMatching(/^Max-Age=\d+$/),
      'Path=/admin/queues',
      'SameSite=Strict',
      'Secure',
    ]);
  });
});
