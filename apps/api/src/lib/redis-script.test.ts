import { createRedis, waitForRedis, type Redis } from '@simple-shop/queue';
import { testDeps, uniqueName } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisScript } from './redis-script';

/** The API's clients auto-pipeline (producer role); a script can opt out of it (read-gate.ts does). */
describe('redisScript', () => {
  let redis: Redis;
  let other: Redis;
  const key = `${uniqueName('redis_script')}:k`;
  beforeAll(async () => {
    redis = createRedis(testDeps().redisUrl, 'producer', 'redis-script-test');
    other = createRedis(testDeps().redisUrl, 'producer', 'redis-script-test-other');
    expect(await waitForRedis(redis, 5000)).toBe(true);
  });
  afterAll(async () => {
    await redis.del(key);
    redis.disconnect();
    other.disconnect();
  });

  it('auto-pipelines by default, and writes a script that opts out on its own', async () => {
    const lua = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
    const pipelined = redisScript(redis, 'testScriptPipelined', lua);
    const alone = redisScript(redis, 'testScriptAlone', lua, { autoPipeline: false });

    const first = pipelined.run([key], [2]);
    expect(redis.autoPipelineQueueSize).toBe(1);
    const second = alone.runBuffer([key], [3]);
    expect(redis.autoPipelineQueueSize).toBe(1);
    // Written at once, it reaches Redis before the pipeline queued earlier in the same tick.
    expect(await second).toBe(3);
    expect(await first).toBe(5);
    expect(await alone.run([key], [1])).toBe(6);
    // Only this client: ioredis' default list is one array shared by every client.
    expect(redis.options.autoPipeliningIgnoredCommands).toEqual(['testScriptAlone']);
    expect(other.options.autoPipeliningIgnoredCommands).toEqual([]);
  });
});
