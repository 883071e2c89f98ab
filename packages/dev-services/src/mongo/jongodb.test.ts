import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { isMongoStandIn } from '../detect-stand-in';
import { startJongodb, type StartedJongodb } from './jongodb';

describe('startJongodb', () => {
  let server: StartedJongodb | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('starts a replica-set jongodb that the mongodb driver can use', async () => {
    server = await startJongodb();
    expect(server.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?replicaSet=rs0&serverMonitoringMode=poll$/);
    expect(server.pid).toBeGreaterThan(0);

    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5_000 });
    try {
      await client.connect();
      expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 });
      const items = client.db('t_jongodb').collection<{ _id: string; n: number }>('items');
      await items.insertOne({ _id: 'a', n: 1 });
      expect(await items.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
    } finally {
      await client.close();
    }
    expect(await isMongoStandIn(server.uri)).toBe(true);
  });

  it('stop() terminates the process', async () => {
    const other = await startJongodb();
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
    await other.stop(); // idempotent
  });
});
