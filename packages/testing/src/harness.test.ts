import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { loadConfig } from '@simple-shop/config';
import {
  describeRealMongo,
  itRealMongo,
  NEEDS_REAL_MONGO,
  spawnProcess,
  testDeps,
  testEnv,
  uniqueName,
  waitFor,
  TEST_JWT_SECRET,
} from './index';

describe('test harness', () => {
  it('testEnv gives a distinct database and key prefix per call, accepted by loadConfig', () => {
    const a = testEnv();
    const b = testEnv({ LOG_LEVEL: 'warn' });
    expect(a.MONGODB_DB).not.toBe(b.MONGODB_DB);
    expect(a.REDIS_KEY_PREFIX).not.toBe(b.REDIS_KEY_PREFIX);
    expect(a.MONGODB_URI).toBe(inject('mongoUri'));
    expect(a.REDIS_URL).toBe(inject('redisUrl'));
    expect(b.LOG_LEVEL).toBe('warn');
    expect(TEST_JWT_SECRET).toHaveLength(48);

    const config = loadConfig(a);
    expect(config.NODE_ENV).toBe('test');
    expect(config.MONGODB_DB).toBe(a.MONGODB_DB);
    expect(config.PORT).toBe(0);
  });

  it('uniqueName is short, unique and safe for database names and key prefixes', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName('orders')));
    expect(names.size).toBe(1000);
    for (const name of names) expect(name).toMatch(/^t_orders_[a-z0-9]{10}$/);
    expect(uniqueName('we!rd name')).toMatch(/^t_we_rd_name_/);
  });

  it("inject('mongoUri') accepts a mongodb driver connection", async () => {
    const { mongoUri, mongoIsStandIn, mongoKind } = testDeps();
    expect(typeof mongoIsStandIn).toBe('boolean');
    expect(mongoKind).toMatch(/^(env|testcontainers|mongodb-memory-server|jongodb)$/);
    const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 5_000 });
    onTestFinished(() => client.close());
    await client.connect();
    expect(await client.db(uniqueName('ping')).command({ ping: 1 })).toMatchObject({ ok: 1 });
  });

  it("inject('redisUrl') answers PING", async () => {
    const redis = new Redis(inject('redisUrl'), { lazyConnect: true, maxRetriesPerRequest: 1 });
    onTestFinished(() => redis.disconnect());
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
  });

  it('describeRealMongo names carry the reason', () => {
    expect(NEEDS_REAL_MONGO).toContain('needs real MongoDB');
  });

  it('waitFor retries until the assertion passes and rethrows the last error on timeout', async () => {
    let n = 0;
    await expect(waitFor(() => ++n >= 3, { intervalMs: 5 })).resolves.toBe(true);
    await expect(
      waitFor(
        () => {
          expect(1).toBe(2);
        },
        { timeoutMs: 100, intervalMs: 10 },
      ),
    ).rejects.toThrow(/expected 1 to be 2/);
    await expect(waitFor(() => false, { timeoutMs: 50, intervalMs: 10 })).rejects.toThrow(/still false/);
  });

  it('spawnProcess runs a TypeScript entry with tsx, waits for lines and stops it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spawn-'));
    const entry = join(dir, 'server.ts');
    writeFileSync(
      entry,
      [
        "import { createServer } from 'node:http';",
        'const port: number = 0;',
        "const server = createServer((_req, res) => res.end(process.env.GREETING ?? ''));",
        "server.listen(port, '127.0.0.1', () => {",
        '  const address = server.address() as { port: number };',
        '  console.log(`listening on ${address.port}`);',
        "  console.error('a warning on stderr');",
        '});',
        "process.on('SIGTERM', () => { console.log('shutting down'); server.close(() => process.exit(0)); });",
      ].join('\n'),
    );
    const proc = spawnProcess(entry, { GREETING: 'hello' });
    onTestFinished(() => proc.stop().then(() => undefined));
    const line = await proc.waitForLine(/listening on \d+/, 15_000);
    expect(line).toMatch(/^listening on \d+$/);
    const port = Number(/(\d+)/.exec(line)?.[1]);
    await proc.waitForLine(/a warning/, 5_000, { stream: 'stderr' });
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe('hello');
    const exit = await proc.stop();
    expect(exit.code).toBe(0);
    expect(proc.stdout).toContain('shutting down');
    expect(() => process.kill(proc.pid, 0)).toThrow();
  });

  it('spawnProcess.waitForLine fails with the output when the process exits first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spawn-'));
    const entry = join(dir, 'crash.ts');
    writeFileSync(entry, "console.error('config is invalid'); process.exit(78);\n");
    const proc = spawnProcess(entry, {});
    onTestFinished(() => proc.stop().then(() => undefined));
    await expect(proc.waitForLine(/listening/, 15_000)).rejects.toThrow(/exited \(code 78[\s\S]*config is invalid/);
  });
});

// On the jongodb stand-in these are reported as skipped, with the reason in their names.
describeRealMongo('describeRealMongo', () => {
  it('runs only against a real MongoDB', () => {
    expect(testDeps().mongoIsStandIn).toBe(false);
  });
});
itRealMongo('itRealMongo runs only against a real MongoDB', () => {
  expect(testDeps().mongoIsStandIn).toBe(false);
});
