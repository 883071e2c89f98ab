import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from '../../../app.test-support';
import { newUser, post, registered } from './auth.test-support';

/**
 * Auth rate limits with AUTH_RATE_LIMIT_MAX=3: per IP (any account), failed logins per (account, IP),
 * attempts per account for register/refresh/forgot, answered 429 with Retry-After and the standard error
 * body. (Owner lock-out and distributed guessing: login-lockout.test.ts.)
 */
let app: FastifyInstance;
beforeAll(async () => {
  app = await buildTestApp({ AUTH_RATE_LIMIT_MAX: '3', AUTH_RATE_LIMIT_WINDOW_MS: '60000' });
});
afterAll(async () => {
  await app?.close();
});

function expectLimited(res: LightMyRequestResponse) {
  expect(res.statusCode).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/retry in \d+ s/) } });
}

const login = (email: string, ip: string) =>
  post(app, '/api/auth/login', { email, password: 'wrong password' }, { ip });

describe('auth rate limits', () => {
  it('per IP: the 4th login from one IP is 429 whatever the email; another IP is unaffected', async () => {
    for (let i = 0; i < 3; i += 1) expect((await login(`ip-a-${i}@example.com`, '10.0.0.1')).statusCode).toBe(401);
    expectLimited(await login('ip-a-fresh@example.com', '10.0.0.1'));
    expect((await login('ip-b@example.com', '10.0.0.2')).statusCode).toBe(401);
  });

  it('per (account, IP): the 4th failed login for one email from one IP is 429; other IPs and emails are unaffected', async () => {
    const email = 'target@example.com';
    for (let i = 1; i <= 3; i += 1) expect((await login(email, '10.1.0.1')).statusCode).toBe(401);
    // Case and spacing variants are the same account.
    expectLimited(await login('  TARGET@example.com ', '10.1.0.1'));
    expect((await login(email, '10.1.0.2')).statusCode).toBe(401);
    expect((await login('someone-else@example.com', '10.1.0.3')).statusCode).toBe(401);
  });

  it('per account: registering the same email from many IPs is limited too', async () => {
    const body = newUser({ email: 'reg-target@example.com' });
    const codes: number[] = [];
    for (let i = 1; i <= 4; i += 1)
      codes.push((await post(app, '/api/auth/register', body, { ip: `10.2.0.${i}` })).statusCode);
    expect(codes).toEqual([201, 409, 409, 429]);
  });

  it('per (account, IP), per IP, and a silent per-account cap on forgot-password', async () => {
    const forgot = (email: string, ip: string) => post(app, '/api/auth/forgot-password', { email }, { ip });
    for (let i = 0; i < 3; i += 1) expect((await forgot('f@example.com', '10.3.0.2')).statusCode).toBe(202);
    expectLimited(await forgot('f@example.com', '10.3.0.2'));
    // Another address may still ask (the owner is not locked out of resets by someone else's requests)...
    expect((await forgot('f@example.com', '10.3.0.3')).statusCode).toBe(202);
    // ...and one address asking for many accounts meets the per-IP limit.
    for (let i = 0; i < 3; i += 1) expect((await forgot(`f${i}@example.com`, '10.3.0.1')).statusCode).toBe(202);
    expectLimited(await forgot('f-new@example.com', '10.3.0.1'));
  });

  it('per IP on refresh, counting invalid tokens too', async () => {
    for (let i = 0; i < 3; i += 1)
      expect(
        (await post(app, '/api/auth/refresh', { refreshToken: 'q'.repeat(43) }, { ip: '10.4.0.1' })).statusCode,
      ).toBe(401);
    expectLimited(await post(app, '/api/auth/refresh', { refreshToken: 'q'.repeat(43) }, { ip: '10.4.0.1' }));
  });

  it('per token family on refresh, across IPs', async () => {
    const session = await registered(app, newUser());
    let token = session.refreshToken;
    for (let i = 1; i <= 3; i += 1) {
      const res = await post(app, '/api/auth/refresh', { refreshToken: token }, { ip: `10.5.0.${i}` });
      expect(res.statusCode).toBe(200);
      token = res.json().refreshToken;
    }
    expectLimited(await post(app, '/api/auth/refresh', { refreshToken: token }, { ip: '10.5.0.9' }));
  });

  it('leaves the rest of the API on the general limit', async () => {
    for (let i = 0; i < 6; i += 1)
      expect((await app.inject({ method: 'GET', url: '/health', remoteAddress: '10.0.0.1' })).statusCode).toBe(200);
  });
});

describe('with Redis down', () => {
  it('limits in process memory instead of failing open: answered 401, then 429', async () => {
    const down = await buildTestApp({ REDIS_URL: 'redis://127.0.0.1:1', AUTH_RATE_LIMIT_MAX: '2' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i += 1)
        codes.push(
          (await post(down, '/api/auth/login', { email: `x${i}@example.com`, password: 'wrong password' })).statusCode,
        );
      expect(codes).toEqual([401, 401, 429, 429]);
    } finally {
      await down.close();
    }
  });
});
