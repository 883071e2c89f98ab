import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Redis } from './connection';
import type { AppQueues } from './queues';

/** How long shutdown waits for a half-open connection attempt to end; a connect timeout bounds it anyway. */
const END_WAIT_MS = 1000;

/**
 * Closes the producers and then the Redis client they share, without leaving a rejection behind.
 *
 * Why the order matters: each BullMQ `Queue` waits in the background for the shared client to become
 * ready. If that client ends while Redis is unreachable, the wait rejects and BullMQ reports it as an
 * `error` event on the queue's connection; once the queue is closed that emitter has no listener left,
 * so the report becomes an unhandled rejection (a shutdown that crashes, a red test run). So:
 * - Redis reachable: let every queue finish initialising, close the queues, then QUIT (flushes replies);
 * - Redis unreachable: end the client first, let the pending waits settle while the queues still
 *   listen, then close the queues.
 */
export async function closeQueuesAndRedis(queues: AppQueues, redis: Redis): Promise<void> {
  const all = Object.values(queues).map(({ queue }) => queue);
  if (redis.status === 'ready') {
    await Promise.allSettled(all.map((queue) => queue.waitUntilReady()));
    await Promise.allSettled(all.map((queue) => queue.close()));
    await redis.quit().catch(() => redis.disconnect());
    return;
  }
  // An attempt in flight ('connecting'/'connect') ends with an 'end' event; a client waiting for its
  // next retry ('reconnecting') just stops, and BullMQ's wait then never settles, which is harmless.
  const attemptInFlight = redis.status === 'connecting' || redis.status === 'connect';
  const ended = attemptInFlight ? endOf(redis, END_WAIT_MS) : null;
  redis.disconnect();
  await ended;
  await nextTurn();
  await Promise.allSettled(all.map((queue) => queue.close()));
}

/** Resolves on the client's 'end' event or after `timeoutMs`, whichever comes first. */
function endOf(redis: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('end', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('end', done);
  });
}
