import { randomUUID } from 'node:crypto';
import { createRedis, waitForRedis, type Redis } from '@simple-shop/queue';
import { testDeps } from '@simple-shop/testing';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionRevocations } from './session-revocations';

/** Real Redis, and a Redis that is not there: the store's two behaviours. */
const warnings: string[] = [];
const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
const clients: Redis[] = [];
const client = (url: string) => {
  const redis = createRedis(url, 'producer', 'session-revocations-test');
  redis.on('error', () => undefined);
  clients.push(redis);
  return redis;
};
afterAll(() => clients.forEach((redis) => redis.disconnect()));

describe('session revocations', () => {
  it('lists an ended login for one access-token lifetime (+60 s skew) and only that login', async () => {
    const redis = client(testDeps().redisUrl);
    expect(await waitForRedis(redis, 5000)).toBe(true); // no offline queue: as the app, start once connected
    const keyPrefix = `t-${randomUUID()}`;
    const store = createSessionRevocations({ redis, keyPrefix, longestTokenTtlSeconds: 900 });
    const [ended, alsoEnded, live] = [randomUUID(), randomUUID(), randomUUID()];
    await store.revoke([ended, alsoEnded], log);
    expect(await store.isRevoked(ended, log)).toBe(true);
    expect(await store.isRevoked(alsoEnded, log)).toBe(true);
    expect(await store.isRevoked(live, log)).toBe(false);
    const ttl = await redis.ttl(`${keyPrefix}:auth:revoked:${ended}`);
    expect(ttl).toBeGreaterThan(950);
    expect(ttl).toBeLessThanOrEqual(960);
  });

  it('with Redis unreachable: revoke does not throw, tokens are allowed (fail open), both are logged', async () => {
    const store = createSessionRevocations({
      redis: client('redis://127.0.0.1:1'),
      keyPrefix: 't',
      longestTokenTtlSeconds: 900,
    });
    warnings.length = 0;
    await expect(store.revoke([randomUUID()], log)).resolves.toBeUndefined();
    expect(await store.isRevoked(randomUUID(), log)).toBe(false);
    expect(warnings.join('\n')).toMatch(/could not revoke access tokens/);
    expect(warnings.join('\n')).toMatch(/revocation check unavailable/);
  });
});
