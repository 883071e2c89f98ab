import { createHash } from 'node:crypto';
import type { Redis } from '@simple-shop/queue';
import type { FastifyBaseLogger } from 'fastify';
import { HttpError } from '../../lib/http-error';

/**
 * Per-account limits for the auth routes (the per-IP ones come from @fastify/rate-limit): a fixed
 * window counter per (scope, account) in Redis, so an attacker spreading guesses over many IPs
 * still gets AUTH_RATE_LIMIT_MAX tries per account and window. The account key is hashed, so no
 * email address is written to Redis. If Redis is down the check lets the request through (fail
 * open), like the global limiter: an outage must not lock everybody out.
 */
export interface AccountLimiter {
  /** Counts one attempt; throws 429 `RATE_LIMITED` (with Retry-After) once the limit is passed. */
  hit(scope: string, account: string, log: FastifyBaseLogger): Promise<void>;
}

export function createAccountLimiter(options: {
  redis: Redis;
  keyPrefix: string;
  max: number;
  windowMs: number;
}): AccountLimiter {
  const { redis, max, windowMs } = options;
  return {
    async hit(scope, account, log) {
      const digest = createHash('sha256').update(account).digest('hex').slice(0, 32);
      const key = `${options.keyPrefix}:rl:acct:${scope}:${digest}`;
      let count: number;
      let ttlMs: number;
      try {
        // One round trip, atomic: start the window if there is none, count, read what is left.
        const replies = await redis.multi().set(key, '0', 'PX', windowMs, 'NX').incr(key).pttl(key).exec();
        if (!replies) throw new Error('transaction aborted');
        const [, incr, pttl] = replies;
        if (incr?.[0] || pttl?.[0]) throw incr?.[0] ?? pttl?.[0];
        count = Number(incr?.[1]);
        ttlMs = Number(pttl?.[1]);
      } catch (error) {
        log.warn({ err: error, scope }, 'account rate limit unavailable (Redis); allowing the request');
        return;
      }
      if (count > max) {
        const retryAfter = Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : windowMs) / 1000));
        log.info({ event: 'auth_rate_limited', scope }, 'per-account rate limit reached');
        throw new HttpError(429, 'RATE_LIMITED', `Too many attempts; retry in ${retryAfter} s`, undefined, {
          'retry-after': String(retryAfter),
        });
      }
    },
  };
}
