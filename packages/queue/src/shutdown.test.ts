import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createRedis, type Redis } from './connection';
import { createAppQueues } from './queues';
import { closeQueuesAndRedis } from './shutdown';

const retry = { attempts: 3, backoffMs: 100 };

/** The next `name` event (unlike `events.once`, an 'error' event in between does not reject). */
const nextEvent = (redis: Redis, name: string) => new Promise<void>((resolve) => redis.once(name, () => resolve()));

/** Unhandled rejections raised while a test runs (vitest would report them only after the run). */
let unhandled: unknown[] = [];
const collect = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', collect);
});
afterEach(() => {
  process.off('unhandledRejection', collect);
});

/**
 * Waits for the observable end of a shutdown: the client's 'end' if a connection attempt was still
 * open (after it nothing more happens on its socket, so nothing more can reject), then two turns of the event loop, since Node reports an
 * unhandled rejection only after the turn that created it.
 */
async function settle(redis: Redis): Promise<void> {
  // A client stopped while waiting for its next retry stays 'reconnecting' and emits nothing more.
  if (redis.status !== 'end' && redis.status !== 'reconnecting') await nextEvent(redis, 'end');
  await nextTurn();
  await nextTurn();
}

describe('closeQueuesAndRedis', () => {
  it('leaves no unhandled rejection when Redis is unreachable and a connection attempt is in flight', async () => {
    // The shutdown that used to fail CI: close while ioredis is mid-way through a (refused) attempt.
    for (let round = 0; round < 5; round += 1) {
      const redis = createRedis('redis://127.0.0.1:1', 'producer', 'shutdown-test');
      redis.on('error', () => undefined);
      const queues = createAppQueues(redis, { keyPrefix: `t-${randomUUID()}`, retry });
      for (const { queue } of Object.values(queues)) queue.on('error', () => undefined);
      // After one refused attempt (BullMQ's wait has seen the error), the next attempt starts.
      await nextEvent(redis, 'reconnecting');
      await nextEvent(redis, 'connecting');
      await closeQueuesAndRedis(queues, redis);
      await settle(redis);
    }
    expect(unhandled).toEqual([]);
  });

  it('leaves no unhandled rejection when Redis is unreachable and the client waits to retry', async () => {
    const redis = createRedis('redis://127.0.0.1:1', 'producer', 'shutdown-test');
    redis.on('error', () => undefined);
    const queues = createAppQueues(redis, { keyPrefix: `t-${randomUUID()}`, retry });
    for (const { queue } of Object.values(queues)) queue.on('error', () => undefined);
    await nextEvent(redis, 'reconnecting');
    await closeQueuesAndRedis(queues, redis);
    await settle(redis);
    expect(unhandled).toEqual([]);
  });

  it('closes queues and QUITs a reachable Redis right after start-up, still with no rejection', async () => {
    const redis = createRedis(inject('redisUrl'), 'producer', 'shutdown-test');
    const queues = createAppQueues(redis, { keyPrefix: `t-${randomUUID()}`, retry });
    // Immediately, while the queues are still initialising (their INFO version check in flight).
    await nextEvent(redis, 'ready');
    await closeQueuesAndRedis(queues, redis);
    await settle(redis);
    expect(redis.status).toBe('end');
    expect(unhandled).toEqual([]);
  });
});
