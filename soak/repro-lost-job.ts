/**
 * Deterministic reproduction of a finding of the soak (docs/reliability.md, "Findings"): a webhook
 * event the API recorded and queued (`webhook-events.status = 'queued'`) is never processed when
 * Redis loses the job (restart without persistence, failover to an empty replica, flush), because
 * reconciliation only re-queues events that are still `received`.
 *
 *   pnpm exec tsx soak/repro-lost-job.ts
 *
 * Steps: API up, no worker yet; a paid Checkout Session's `checkout.session.completed` arrives and is
 * recorded + queued; Redis restarts empty; a worker starts (reconciliation every second); after
 * 20 s the event is still `queued`, the order still `pending_payment` although Stripe holds the money.
 * Exits 1 when the bug is reproduced, 0 when the event was processed.
 */
import { randomBytes } from 'node:crypto';
import { resolveMongo } from '@simple-shop/dev-services';
import { ObjectId } from '@simple-shop/db';
import { productDoc } from '@simple-shop/testing/fixtures';
import { startSoakStack } from './stack';

const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const mongo = await resolveMongo({ log: () => undefined });
const tag = randomBytes(4).toString('hex');
const stack = await startSoakStack({
  mongoUri: mongo.uri,
  isolateTransactions: mongo.isStandIn,
  workers: 0,
  dbName: `repro_${tag}`,
  keyPrefix: `repro_${tag}`,
  env: { RECONCILE_INTERVAL_MS: '1000' },
  log,
});
let reproduced = false;
try {
  const now = new Date();
  const productId = new ObjectId();
  const userId = new ObjectId();
  await stack.database.collections.products.insertOne(
    productDoc({ _id: productId, name: 'Repro lamp', description: '', price: 1000, stock: 5 }),
  );
  await stack.database.collections.users.insertOne({
    _id: userId,
    email: `repro-${tag}@example.test`,
    name: 'Repro',
    role: 'customer',
    passwordHash: 'x',
    createdAt: now,
    updatedAt: now,
  });
  const headers = {
    authorization: `Bearer ${stack.bearer({ id: userId.toHexString(), role: 'customer' })}`,
    'content-type': 'application/json',
  };
  const order = (await (
    await fetch(`${stack.apiUrl}/api/orders`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ items: [{ productId: productId.toHexString(), quantity: 1 }] }),
    })
  ).json()) as { id: string };
  const session = (await (
    await fetch(`${stack.apiUrl}/api/payments/create-intent`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ orderId: order.id }),
    })
  ).json()) as { sessionId: string };

  await stack.sim.pay(session.sessionId); // Stripe takes the money and sends checkout.session.completed
  await stack.sim.waitForDeliveries();
  const event = await stack.database.collections.webhookEvents.findOne({ type: 'checkout.session.completed' });
  log(`1. event ${event?._id} recorded by the API: status ${event?.status} (job waiting in Redis, no worker yet)`);

  await stack.stopRedis();
  await stack.startRedis();
  log('2. Redis restarted empty (the queued job is gone)');

  await stack.startWorker();
  log('3. worker started (reconciliation every 1 s); waiting 20 s');
  await sleep(20_000);

  const after = await stack.database.collections.webhookEvents.findOne({ _id: event!._id });
  const orderAfter = await stack.database.collections.orders.findOne({ _id: new ObjectId(order.id) });
  const paidInStripe = stack.sim.sessions().find((s) => s.id === session.sessionId)?.payment_status;
  log(`4. event status: ${after?.status}; order status: ${orderAfter?.status}; Stripe session: ${paidInStripe}`);
  reproduced = after?.status === 'queued';
  log(
    reproduced
      ? 'REPRODUCED: the event stays queued forever; the order is only rescued by the stale-session check after 120 s, and an expired/failed/refunded event would be lost for good'
      : 'not reproduced: the event was processed',
  );
} finally {
  await stack.stop();
  await mongo.stop();
}
process.exit(reproduced ? 1 : 0);
