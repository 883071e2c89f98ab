import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { HttpError } from '../../lib/http-error';
import type { WindowCounter } from '../../lib/window-counter';

/**
 * Per-account limits of the auth routes (the per-IP ones come from @fastify/rate-limit). Counted in
 * Redis with an in-process fallback (`WindowCounter`), so they hold when Redis fails. Account keys are
 * hashed: no email address is written to Redis.
 *
 * Logins count *failures*, per (account, client IP): a guesser is stopped after AUTH_RATE_LIMIT_MAX wrong
 * passwords, while the owner, from another address, still logs in. Across all IPs an account is not
 * refused (that would let anyone lock its owner out) but slowed: past AUTH_ACCOUNT_SLOWDOWN_AFTER failures
 * in a window, each attempt waits a delay that grows with the failures, so a distributed guessing run
 * gets a handful of tries per second at most.
 */
export interface AccountLimiter {
  /** Register and refresh: counts one attempt for (scope, account); 429 `RATE_LIMITED` past the limit. */
  hit(scope: string, account: string, log: FastifyBaseLogger): Promise<void>;
  /** Before a password is checked: 429 when this IP has used up its failures for the account; may wait. */
  beforeLogin(account: string, ip: string, log: FastifyBaseLogger): Promise<void>;
  /** After a wrong password (or an unknown account). */
  loginFailed(account: string, ip: string): Promise<void>;
  /**
   * Forgot-password: 429 past the limit for (account, IP); false once the account has had its share of
   * reset emails in this window from all IPs together (the caller then sends none, and still answers 202).
   */
  allowResetEmail(account: string, ip: string, log: FastifyBaseLogger): Promise<boolean>;
}

export interface AccountLimits {
  keyPrefix: string;
  max: number;
  windowMs: number;
  slowdownAfter: number;
}

/** Each failure past the slow-down threshold adds this much, up to MAX_DELAY_MS, to every attempt. */
export const DELAY_STEP_MS = 250;
export const MAX_DELAY_MS = 5_000;

export function loginDelayMs(accountFailures: number, slowdownAfter: number): number {
  return Math.min(MAX_DELAY_MS, Math.max(0, accountFailures - slowdownAfter) * DELAY_STEP_MS);
}

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);

function rateLimited(ttlMs: number, windowMs: number): HttpError {
  const retryAfter = Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : windowMs) / 1000));
  return new HttpError(429, 'RATE_LIMITED', `Too many attempts; retry in ${retryAfter} s`, undefined, {
    'retry-after': String(retryAfter),
  });
}

export function createAccountLimiter(counter: WindowCounter, limits: AccountLimits): AccountLimiter {
  const { max, windowMs, slowdownAfter } = limits;
  const key = (scope: string, ...parts: string[]) => `${limits.keyPrefix}:rl:acct:${scope}:${digest(...parts)}`;
  return {
    async hit(scope, account, log) {
      const { count, ttlMs } = await counter.incr(key(scope, account), windowMs);
      if (count > max) {
        log.info({ event: 'auth_rate_limited', scope }, 'per-account rate limit reached');
        throw rateLimited(ttlMs, windowMs);
      }
    },

    async beforeLogin(account, ip, log) {
      const [fromThisIp, fromAll] = await Promise.all([
        counter.read(key('login-fail-ip', account, ip)),
        counter.read(key('login-fail', account)),
      ]);
      if (fromThisIp.count >= max) {
        log.info({ event: 'auth_rate_limited', scope: 'login' }, 'failed-login limit reached for this client');
        throw rateLimited(fromThisIp.ttlMs, windowMs);
      }
      const delayMs = loginDelayMs(fromAll.count, slowdownAfter);
      if (delayMs > 0) {
        log.info({ event: 'auth_slowed', scope: 'login', delayMs }, 'many failed logins for this account: slowed');
        await sleep(delayMs);
      }
    },

    async loginFailed(account, ip) {
      await Promise.all([
        counter.incr(key('login-fail-ip', account, ip), windowMs),
        counter.incr(key('login-fail', account), windowMs),
      ]);
    },

    async allowResetEmail(account, ip, log) {
      const [fromThisIp, fromAll] = await Promise.all([
        counter.incr(key('forgot-ip', account, ip), windowMs),
        counter.incr(key('forgot', account), windowMs),
      ]);
      if (fromThisIp.count > max) {
        log.info({ event: 'auth_rate_limited', scope: 'forgot' }, 'per-account rate limit reached');
        throw rateLimited(fromThisIp.ttlMs, windowMs);
      }
      if (fromAll.count > max) {
        log.info({ event: 'reset_email_suppressed' }, 'reset emails for this account limited: none sent');
        return false;
      }
      return true;
    },
  };
}
