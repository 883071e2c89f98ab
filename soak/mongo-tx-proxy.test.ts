/**
 * The soak's transaction-isolating proxy (soak/mongo-tx-proxy.ts) must give a transaction the
 * isolation a real replica set gives, on the jongodb stand-in that has none: the cases of
 * soak/standin-overlap.ts; and it must never produce an outcome a real server could not:
 * - a live transaction is never aborted for being slow (a silent client, a commit the server takes
 *   long to apply): other commands wait for its end;
 * - a transaction whose process died (every connection gone) is aborted on the server, so its
 *   writes never appear, and the others go on;
 * - a transaction aborted while alive (a real server's lifetime limit) gets the answer a real
 *   server gives, so `withTransaction` runs it again and it commits exactly once.
 * Every wait is on an observable event (a counter, a reply), never on the clock.
 */
import { testDeps } from '@simple-shop/testing';
import { afterEach, expect, it } from 'vitest';
import { createMongoClient, ObjectId } from '@simple-shop/db';
import { startTxProxy, upstreamOf, type TxProxy, type TxProxyOptions } from './mongo-tx-proxy';
import { measureStandInOverlap } from './standin-overlap';
import { startWireForwarder } from './wire-forwarder.test-support';

interface Doc {
  _id: ObjectId;
  n: number;
  p: number;
}
type Client = ReturnType<typeof createMongoClient>;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const upstream = () => upstreamOf(testDeps().mongoUri);
type Upstream = ReturnType<typeof upstreamOf>;
async function proxyTo(target: Upstream, options: TxProxyOptions = {}): Promise<TxProxy> {
  const proxy = await startTxProxy(target, options);
  cleanups.push(() => proxy.close());
  return proxy;
}
async function connect(target: Upstream, name: string): Promise<Client> {
  const uri = `mongodb://${target.host}:${target.port}/${target.query ? `?${target.query}` : ''}`;
  const client = createMongoClient({ uri, appName: name });
  await client.connect();
  cleanups.push(() => client.close(true));
  return client;
}
async function forwarder(target: Upstream, hold?: (command: string | undefined) => boolean) {
  const f = await startWireForwarder(target, hold);
  cleanups.push(() => f.kill());
  return f;
}
/** Resolves when `condition` holds; polls an in-process counter (no time bound of its own). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}
async function seed(client: Client): Promise<{ docs: ReturnType<typeof collection>; id: ObjectId; dbName: string }> {
  const dbName = `proxy_${new ObjectId().toHexString()}`;
  const docs = collection(client, dbName);
  const id = new ObjectId();
  await docs.insertOne({ _id: id, n: 0, p: 0 });
  return { docs, id, dbName };
}
const viaProxy = (proxy: TxProxy): Upstream => ({ ...upstream(), port: proxy.port });
const collection = (client: Client, dbName: string) => client.db(dbName).collection<Doc>('docs');
/** A plain write from another process, started now; `done` flips when the server answered it. */
function plainWrite(other: Client, dbName: string, id: ObjectId) {
  const state = { done: false, promise: Promise.resolve() as Promise<unknown> };
  state.promise = collection(other, dbName)
    .updateOne({ _id: id }, { $inc: { p: 1 } })
    .then(() => (state.done = true));
  return state;
}

it('isolates a transaction from plain writes and from transactions of other processes', async () => {
  const cases = await measureStandInOverlap(testDeps().mongoUri);
  for (const c of cases) expect(c.proxied, c.name).toBe(c.expected);
  if (testDeps().mongoIsStandIn) {
    // The stand-in alone gets both wrong (otherwise this test proves nothing).
    for (const c of cases) expect(c.direct, c.name).not.toBe(c.expected);
  }
});

it('never aborts a live transaction for being slow: a silent client and a commit the server takes long to apply keep the lock', async () => {
  // The server "takes long" to apply commits: the forwarder holds them until released.
  const slowServer = await forwarder(upstream(), (command) => command === 'commitTransaction');
  // No grace at all: any silence would count, if silence were the signal.
  const proxy = await proxyTo(slowServer.upstream, { abandonGraceMs: 0 });
  const client = await connect(viaProxy(proxy), 'proxy-test-slow');
  const other = await connect(viaProxy(proxy), 'proxy-test-other');
  const { docs, id, dbName } = await seed(client);
  let attempts = 0;
  let plain: ReturnType<typeof plainWrite> | undefined;
  const session = client.startSession();
  const committed = session
    .withTransaction(async () => {
      attempts += 1;
      await docs.updateOne({ _id: id }, { $inc: { n: 1 } }, { session });
      plain = plainWrite(other, dbName, id);
      await until(() => proxy.stats().delayedCommands >= 1); // it waits for the transaction
      // The client falls silent while the watchdog looks at the lock five times.
      const checks = proxy.stats().watchdogChecks;
      await until(() => proxy.stats().watchdogChecks >= checks + 5);
    })
    .finally(() => session.endSession());
  // Now the commit is at the (slow) server for another five looks.
  await until(() => slowServer.held() >= 1);
  const checks = proxy.stats().watchdogChecks;
  await until(() => proxy.stats().watchdogChecks >= checks + 5);
  expect(plain!.done).toBe(false);
  expect(proxy.stats()).toMatchObject({ abandoned: 0, expired: 0 });

  slowServer.release();
  await committed;
  await plain!.promise;
  expect(attempts).toBe(1);
  expect(await docs.findOne({ _id: id })).toEqual({ _id: id, n: 1, p: 1 });
  expect(proxy.stats()).toMatchObject({ abandoned: 0, expired: 0, abandonedButAlive: 0, expiredButAlive: 0 });
});

it('aborts the transaction of a process that died mid-way: its write never appears and the others go on', async () => {
  const proxy = await proxyTo(upstream(), { abandonGraceMs: 0 });
  // The doomed process reaches the proxy through a forwarder whose sockets all close at once, as
  // the kernel closes a SIGKILLed process' connections.
  const doomedLink = await forwarder(viaProxy(proxy));
  const doomed = await connect(doomedLink.upstream, 'proxy-test-doomed');
  const other = await connect(viaProxy(proxy), 'proxy-test-other');
  const { id, dbName } = await seed(other);
  const session = doomed.startSession();
  session.startTransaction();
  await collection(doomed, dbName).updateOne({ _id: id }, { $inc: { n: 1 } }, { session });
  const plain = plainWrite(other, dbName, id);
  await until(() => proxy.stats().delayedCommands >= 1);
  expect(plain.done).toBe(false);

  await doomedLink.kill();
  await plain.promise;
  expect(proxy.stats().abandoned).toBe(1);
  expect(await collection(other, dbName).findOne({ _id: id })).toEqual({ _id: id, n: 0, p: 1 });
  // And the transaction is dead on the server too, not merely unlocked.
  const another = plainWrite(other, dbName, id);
  await another.promise;
  expect(await collection(other, dbName).findOne({ _id: id })).toEqual({ _id: id, n: 0, p: 2 });
});

it('answers a transaction aborted while alive as a real server does, so its retry commits exactly once', async () => {
  const proxy = await proxyTo(upstream());
  const client = await connect(viaProxy(proxy), 'proxy-test-expired');
  const other = await connect(viaProxy(proxy), 'proxy-test-other');
  const { docs, id, dbName } = await seed(client);
  let attempts = 0;
  const session = client.startSession();
  try {
    await session.withTransaction(async () => {
      attempts += 1;
      await docs.updateOne({ _id: id }, { $inc: { n: 1 } }, { session });
      if (attempts === 1) {
        const plain = plainWrite(other, dbName, id);
        await until(() => proxy.stats().delayedCommands >= 1);
        // Aborted as past the server's transaction lifetime; the plain write goes on.
        expect(await proxy.expireOwner()).toBe(true);
        await plain.promise;
      }
      // Attempt 1's commit meets NoSuchTransaction + TransientTransactionError: the callback runs again.
    });
  } finally {
    await session.endSession();
  }
  expect(attempts).toBe(2);
  expect(await docs.findOne({ _id: id })).toEqual({ _id: id, n: 1, p: 1 });
  expect(proxy.stats()).toMatchObject({ expired: 1, abandoned: 0 });
  expect(proxy.stats().expiredButAlive).toBeGreaterThanOrEqual(1);
});
