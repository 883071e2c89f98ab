import type { Redis } from '@simple-shop/queue';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Access tokens are stateless JWTs, valid for ACCESS_TOKEN_TTL_SECONDS. Each carries `sid`, the
 * refresh-token family (the login) it was issued for. Ending a login — logout, password reset,
 * refresh-token reuse — lists its sid here for the lifetime of the longest-lived token that carries it (access or board token), and `authenticate` refuses
 * tokens whose sid is listed: a logged-out or reset session stops working at once, not minutes later.
 *
 * Redis, not MongoDB: one GET per authenticated request (auto-pipelined with the rate limiter's
 * commands), and entries expire on their own once every token they could match has expired. If Redis
 * is unreachable the check lets the request through (logged), like the rate limiters: an outage must
 * not log every customer out; a revoked token then still dies with its short lifetime. The refresh
 * tokens themselves are revoked in MongoDB regardless.
 */
export interface SessionRevocations {
  /** Ends the access tokens of these logins. Never throws: the refresh tokens are already revoked. */
  revoke(sessionIds: readonly string[], log: FastifyBaseLogger): Promise<void>;
  /** True when the login was ended; false when not, or when Redis cannot tell. */
  isRevoked(sessionId: string, log: FastifyBaseLogger): Promise<boolean>;
}

/** Clock skew a token's expiry may be judged with, on top of its lifetime. */
const SKEW_SECONDS = 60;

export function createSessionRevocations(options: {
  redis: Redis;
  keyPrefix: string;
  /** The longest lifetime of any token that carries a sid (access or board token). */
  longestTokenTtlSeconds: number;
}): SessionRevocations {
  const { redis } = options;
  const keyOf = (sessionId: string) => `${options.keyPrefix}:auth:revoked:${sessionId}`;
  const ttl = options.longestTokenTtlSeconds + SKEW_SECONDS;
  return {
    async revoke(sessionIds, log) {
      if (sessionIds.length === 0) return;
      try {
        // One command per key, not one pipeline: on a Redis Cluster the keys live in different slots,
        // which a pipeline may not span; the client's auto-pipelining still batches them per node.
        await Promise.all(sessionIds.map((id) => redis.set(keyOf(id), '1', 'EX', ttl)));
      } catch (error) {
        log.warn(
          { err: error, sessions: sessionIds.length },
          'could not revoke access tokens (Redis); they expire with their lifetime',
        );
      }
    },
    async isRevoked(sessionId, log) {
      try {
        return (await redis.exists(keyOf(sessionId))) === 1;
      } catch (error) {
        log.warn({ err: error }, 'session revocation check unavailable (Redis); allowing the token');
        return false;
      }
    },
  };
}
