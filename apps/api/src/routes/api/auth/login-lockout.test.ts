import { buildApp } from '../../../app';
import { testConfig } from '@simple-shop/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger, post, registered } from './auth.test-support';

/**
 * Security finding: login counted every attempt per account before checking the password, so 10 requests
 * from anywhere locked the real owner out for 15 minutes. Behind a proxy (TRUST_PROXY=true) the client is
 * the X-Forwarded-For address: here attackers come from many addresses, the owner from one of their own.
 */
let app: FastifyInstance;
const capture = capturingLogger();
beforeAll(async () => {
  app = await buildApp({
    config: testConfig({ TRUST_PROXY: 'true', AUTH_RATE_LIMIT_MAX: '3', AUTH_ACCOUNT_SLOWDOWN_AFTER: '5' }),
    logger: capture.logger,
  });
});
afterAll(async () => {
  await app?.close();
});

const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
const login = (email: string, password: string, ip: string) =>
  post(app, '/api/auth/login', { email, password }, from(ip));

describe('failed logins are limited per (account, client address)', () => {
  it('the attacker is limited; the owner still logs in from their own address', async () => {
    const owner = await registered(app);
    const email = owner.user.email;
    for (let i = 0; i < 3; i += 1) expect((await login(email, 'wrong password 1', '203.0.113.7')).statusCode).toBe(401);
    const limited = await login(email, owner.password, '203.0.113.7');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');

    // Well past the old per-account limit (3): the owner is not refused because of other addresses' failures.
    const ownLogin = await login(email, owner.password, '198.51.100.20');
    expect(ownLogin.statusCode).toBe(200);
    expect(ownLogin.json().user.email).toBe(email);
  });

  it('a distributed run against one account is slowed down (not refused), and the owner still gets in', async () => {
    const owner = await registered(app);
    const email = owner.user.email;
    const codes: number[] = [];
    // 8 addresses × 1 guess: no address reaches its limit, but the account passes AUTH_ACCOUNT_SLOWDOWN_AFTER=5.
    for (let i = 1; i <= 8; i += 1) codes.push((await login(email, `guess number ${i}`, `192.0.2.${i}`)).statusCode);
    expect(codes).toEqual(Array(8).fill(401));
    capture.lines.length = 0;
    expect((await login(email, 'guess number 9', '192.0.2.9')).statusCode).toBe(401);
    const slowed = capture.records().find((record) => record.event === 'auth_slowed');
    // 8 failures, 3 past the threshold: 3 × 250 ms before the password is even checked.
    expect(slowed).toMatchObject({ delayMs: 750, scope: 'login' });

    expect((await login(email, owner.password, '198.51.100.21')).statusCode).toBe(200);
  });

  it('keeps the per-IP limit: one address trying many accounts is limited', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i += 1)
      codes.push((await login(`someone${i}@example.com`, 'wrong password', '203.0.113.99')).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
  });
});
