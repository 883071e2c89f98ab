/**
 * Start-up with its databases away: the API process waits for MongoDB (retrying with backoff, one
 * log line per attempt, no stack trace) and starts as soon as MongoDB answers; an unreachable
 * Redis is reported once while ioredis keeps reconnecting. The API runs as a real process.
 */
import { freePort, spawnProcess, startJongodb, testEnv, type StartedJongodb } from '@simple-shop/testing';
import { afterAll, expect, it } from 'vitest';

let mongo: StartedJongodb | undefined;
afterAll(async () => {
  await mongo?.stop();
});

const jsonLines = (lines: readonly string[]) =>
  lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

it('waits for an unreachable MongoDB with one clear line per attempt, then starts; reports a missing Redis once', async () => {
  const [mongoPort, redisPort] = [await freePort(), await freePort()];
  const api = spawnProcess(
    'apps/api/src/server.ts',
    testEnv({
      LOG_LEVEL: 'info',
      MONGODB_URI: `mongodb://127.0.0.1:${mongoPort}/?replicaSet=rs0&serverMonitoringMode=poll`,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '200',
      // Nothing listens here: the API must still start (degraded) and say so once.
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    }),
    { name: 'api-startup' },
  );
  try {
    await api.waitForLine(/MongoDB is not reachable at start-up; retrying in 2 s/, 60_000);
    mongo = await startJongodb({ port: mongoPort });
    await api.waitForLine(/Server listening at/, 60_000);

    const logs = jsonLines(api.stdout);
    const waits = logs.filter((l) => l.msg?.toString().startsWith('MongoDB is not reachable at start-up'));
    expect(waits.length).toBeGreaterThanOrEqual(2);
    expect(waits[0]).toMatchObject({ level: 'warn', attempt: 1, retryInMs: 1000 });
    expect(waits[0]!.mongodb).toBe(`mongodb://127.0.0.1:${mongoPort}/?replicaSet=rs0&serverMonitoringMode=poll`);
    expect(waits[0]!.reason).toMatch(/^MongoServerSelectionError: /);
    expect(waits.every((w) => w.err === undefined && w.stack === undefined)).toBe(true);
    expect(logs.some((l) => l.msg === 'MongoDB is reachable; continuing start-up')).toBe(true);

    const redisDown = logs.filter((l) => l.msg === 'Redis is not reachable; reconnecting with backoff');
    expect(redisDown).toEqual([expect.objectContaining({ level: 'warn', redis: `redis://127.0.0.1:${redisPort}` })]);
    // Nothing was printed as a raw stack trace.
    expect(api.output()).not.toMatch(/^\s+at /m);
  } finally {
    await api.stop();
  }
}, 120_000);
