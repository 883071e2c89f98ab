import { ObjectId } from '@simple-shop/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_COOKIE } from '../../plugins/external/bull-board';
import { buildTestApp } from '../../app.test-support';
import { newUser, post, type Session } from '../api/auth/auth.test-support';

/** The operator login form at /admin/queues/login, as a browser submits it (urlencoded). */
function submit(app: FastifyInstance, form: { email: string; password: string }, ip = '192.0.2.200') {
  return app.inject({
    method: 'POST',
    url: '/admin/queues/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(form).toString(),
    remoteAddress: ip,
  });
}

let registrations = 0;
/** A registered customer; each from its own address, clear of the per-IP limit the tests below trip. */
async function registered(app: FastifyInstance) {
  const body = newUser();
  registrations += 1;
  const res = await post(app, '/api/auth/register', body, { ip: `192.0.2.${registrations}` });
  expect(res.statusCode).toBe(201);
  return { ...(res.json() as Session), password: body.password };
}

async function registeredAdmin(app: FastifyInstance) {
  const session = await registered(app);
  await app.deps.database.collections.users.updateOne(
    { _id: new ObjectId(session.user.id) },
    { $set: { role: 'admin' } },
  );
  return session;
}

describe('operator login for Bull Board', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildTestApp({ AUTH_RATE_LIMIT_MAX: '4' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('shows a labelled email and password form that posts to itself', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin/queues/login' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<form method="post" action="/admin/queues/login"');
    expect(res.body).toContain('<label for="email">');
    expect(res.body).toContain('<label for="password">');
    expect(res.body).toMatch(/<input id="password" name="password" type="password"/);
  });

  it('logs an admin in: 303 to the board with the board cookie, which opens the board', async () => {
    const admin = await registeredAdmin(app);
    const res = await submit(app, { email: admin.user.email, password: admin.password });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/queues/');
    const cookie = res.cookies.find((c) => c.name === BOARD_COOKIE);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin/queues' });
    const board = await app.inject({
      method: 'GET',
      url: '/admin/queues/',
      cookies: { [BOARD_COOKIE]: cookie!.value },
    });
    expect(board.statusCode).toBe(200);
    expect(board.body).toContain('Simple Shop queues');
  });

  it('refuses a customer with the right password (403, no cookie)', async () => {
    const customer = await registered(app);
    const res = await submit(app, { email: customer.user.email, password: customer.password });
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('not an operator account');
  });

  it('shows the form again on a wrong password (401), keeping the email', async () => {
    const admin = await registeredAdmin(app);
    const res = await submit(app, { email: admin.user.email, password: 'wrong password entirely' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('role="alert"');
    expect(res.body).toContain('Invalid email or password');
    expect(res.body).toContain(`value="${admin.user.email}"`);
  });

  it('counts failures together with /api/auth/login: the limit holds across both forms', async () => {
    const admin = await registeredAdmin(app);
    const wrong = { email: admin.user.email, password: 'not the password at all' };
    // AUTH_RATE_LIMIT_MAX=4 failures per account (and client address) and window, shared: two on the
    // API, two on the form; then even the right password is refused.
    const ip = '198.51.100.7';
    for (let i = 0; i < 2; i += 1) expect((await post(app, '/api/auth/login', wrong, { ip })).statusCode).toBe(401);
    for (let i = 0; i < 2; i += 1) expect((await submit(app, wrong, ip)).statusCode).toBe(401);
    const limited = await submit(app, { email: admin.user.email, password: admin.password }, ip);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['set-cookie']).toBeUndefined();
  });

  it('applies the per-IP login limit to the form', async () => {
    const ip = '203.0.113.99';
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const { email, password } = newUser();
      statuses.push((await submit(app, { email, password }, ip)).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
  });

  it('logs out: the cookie is cleared and the board token stops working at once', async () => {
    const admin = await registeredAdmin(app);
    const login = await submit(app, { email: admin.user.email, password: admin.password }, '192.0.2.77');
    const cookies = { [BOARD_COOKIE]: login.cookies.find((c) => c.name === BOARD_COOKIE)!.value };
    expect((await app.inject({ method: 'GET', url: '/admin/queues/api/queues', cookies })).statusCode).toBe(200);
    const out = await app.inject({ method: 'GET', url: '/admin/queues/logout', cookies });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/admin/queues/login');
    expect(String(out.headers['set-cookie'])).toMatch(/^shop_board=; /);
    expect((await app.inject({ method: 'GET', url: '/admin/queues/api/queues', cookies })).statusCode).toBe(401);
  });
});
