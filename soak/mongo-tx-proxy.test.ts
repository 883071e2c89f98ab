/**
 * The soak's transaction-isolating proxy (soak/mongo-tx-proxy.ts) must give a transaction the
 * isolation a real replica set gives, on the jongodb stand-in that has none: the cases of
 * soak/standin-overlap.ts, plus a transaction that falls silent (a killed process) being aborted
 * on the server so that, if it was only slow, its retry commits exactly once.
 */
import { testDeps } from '@simple-shop/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMongoClient, ObjectId } from '@simple-shop/db';
import { startTxProxy, upstreamOf, type TxProxy } from './mongo-tx-proxy';
import { measureStandInOverlap } from './standin-overlap';

let proxy: TxProxy;
beforeAll(async () => {
  proxy = await startTxProxy(upstreamOf(testDeps().mongoUri), { idleMs: 300 });
});
afterAll(async () => proxy?.close());

it('isolates a transaction from plain writes and from transactions of other processes', async () => {
  const cases = await measureStandInOverlap(testDeps().mongoUri);
  for (const c of cases) expect(c.proxied, c.name).toBe(c.expected);
  if (testDeps().mongoIsStandIn) {
    // The stand-in alone gets both wrong (otherwise this test proves nothing).
    for (const c of cases) expect(c.direct, c.name).not.toBe(c.expected);
  }
});

it('aborts a transaction that falls silent, and its retry commits exactly once', async () => {
  const client = createMongoClient({ uri: proxy.uri, appName: 'proxy-test' });
  const other = createMongoClient({ uri: proxy.uri, appName: 'proxy-test-other' });
  await Promise.all([client.connect(), other.connect()]);
  try {
    const dbName = `proxy_${new ObjectId().toHexString()}`;
    const docs = client.db(dbName).collection<{ _id: ObjectId; n: number; m: number; p: number }>('docs');
    const id = new ObjectId();
    await docs.insertOne({ _id: id, n: 0, m: 0, p: 0 });
    let attempts = 0;
    let plain: Promise<unknown> = Promise.resolve();
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        attempts += 1;
        await docs.updateOne({ _id: id }, { $inc: { n: 1 } }, { session });
        if (attempts === 1) {
          // Another process writes meanwhile; it waits for the lock, which the silence frees.
          plain = other
            .db(dbName)
            .collection('docs')
            .updateOne({ _id: id }, { $inc: { p: 1 } });
          await new Promise((r) => setTimeout(r, 1000));
        }
        await docs.updateOne({ _id: id }, { $inc: { m: 1 } }, { session });
      });
    } finally {
      await session.endSession();
    }
    await plain;
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(await docs.findOne({ _id: id })).toMatchObject({ n: 1, m: 1, p: 1 });
    expect(proxy.stats().releasedIdle).toBeGreaterThanOrEqual(1);
    expect(proxy.stats().abortedButAlive).toBeGreaterThanOrEqual(1);
  } finally {
    await Promise.all([client.close(), other.close()]);
  }
});
