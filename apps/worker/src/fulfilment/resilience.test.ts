import { ObjectId, type OrderDoc } from '@simple-shop/db';
import { changeStock, endUnpaidOrder } from '@simple-shop/orders';
import { webhookJobId } from '@simple-shop/queue';
import { signPayload } from '@simple-shop/stripe-simulator';
import {
  STACK_WEBHOOK_SECRET,
  describeRealMongo,
  startRedisServer,
  startStack,
  waitFor,
  type Stack,
} from '@simple-shop/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { api, insertProduct, observeQueues, orderWithSession, productState } from './pipeline.test-support';

/** Crashes, outages and failing handlers: the pipeline still ends in exactly one effect. */

function paidSessionEvent(orderId: ObjectId, amount: number) {
  const id = `evt_${new ObjectId().toHexString()}`;
  const session = {
    id: `cs_test_${new ObjectId().toHexString()}`,
    object: 'checkout.session',
    status: 'complete',
    payment_status: 'paid',
    amount_total: amount,
    currency: 'usd',
    payment_intent: `pi_${new ObjectId().toHexString()}`,
    metadata: { orderId: orderId.toHexString() },
    client_reference_id: orderId.toHexString(),
  };
  const payload = JSON.stringify({
    id,
    object: 'event',
    type: 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000),
    data: { object: session },
  });
  return { id, payload };
}

/**
 * The retry delays the worker logged for a job ('job failed' lines with `retryInMs`), in order:
 * what BullMQ scheduled after each failed attempt, read from the job, not measured.
 */
function retryDelaysOf(stack: Stack, jobId: string): number[] {
  return stack.workers
    .flatMap((w) => w.stdout)
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; jobId?: string; retryInMs?: number })
    .filter((entry) => entry.msg === 'job failed' && entry.jobId === jobId && entry.retryInMs !== undefined)
    .map((entry) => entry.retryInMs!);
}

/**
 * Matches the backoff before retry `n` with the stack's JOB_BACKOFF_MS=200, exponential, jitter 0.5:
 * in [200·2^(n−1)/2, 200·2^(n−1)) — ranges that do not overlap, so a match for n = 1, 2, 3 is growing.
 */
function expectedBackoff(n: number) {
  const max = 200 * 2 ** (n - 1);
  return expect.toSatisfy((ms: number) => ms >= max / 2 && ms < max, `backoff ${n} in [${max / 2}, ${max})`);
}

async function deliver(stack: Stack, payload: string) {
  return fetch(`${stack.url}/api/payments/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, STACK_WEBHOOK_SECRET) },
    body: payload,
  });
}

async function insertOrderFor(stack: Stack, orderId: ObjectId, productId: ObjectId, userId: ObjectId, total: number) {
  const now = new Date();
  const order: OrderDoc = {
    _id: orderId,
    userId,
    status: 'pending_payment',
    items: [{ productId, name: 'late order', quantity: 1, unitPrice: total }],
    total,
    currency: 'usd',
    expiresAt: new Date(now.getTime() + 3600_000),
    history: [{ status: 'pending_payment', at: now }],
    createdAt: now,
    updatedAt: now,
  };
  await stack.database.collections.orders.insertOne(order);
}

describe('a worker killed mid-processing', () => {
  let stack: Stack;
  afterAll(async () => stack?.stop());

  it('is replaced, and the job completes with its effects exactly once', async () => {
    stack = await startStack({ workers: 0 });
    const slow = await stack.startWorker({ FAULT_PROCESSING_DELAY_MS: '4000' });
    const product = await insertProduct(stack, { stock: 3 });
    const { user, orderId, sessionId } = await orderWithSession(stack, product, 1);
    await stack.sim.pay(sessionId);
    const event = await waitFor(
      async () => {
        const doc = await stack.database.collections.webhookEvents.findOne({ payload: { $regex: sessionId } });
        expect(doc?.status).toBe('queued');
        return doc!;
      },
      { timeoutMs: 10_000 },
    );
    // Wait until the slow worker holds the job (it is active, 4 s inside the handler, and has written
    // nothing yet), then kill it with no chance to clean up.
    const queues = observeQueues(stack);
    try {
      await waitFor(async () => expect(await queues.stateOf(webhookJobId(event._id))).toBe('active'), {
        timeoutMs: 10_000,
      });
      expect((await queues.stripeEvents.getJob(webhookJobId(event._id)))?.attemptsStarted).toBe(1);
      slow.kill('SIGKILL');
      await slow.exited;
      expect((await stack.database.collections.orders.findOne({ _id: orderId }))?.status).toBe('pending_payment');

      await stack.startWorker();
      await waitFor(
        async () => expect((await stack.database.collections.orders.findOne({ _id: orderId }))?.status).toBe('paid'),
        { timeoutMs: 20_000 },
      );
      // The replacement ran the same job again once its lock lapsed (a second start), and completed it.
      await waitFor(async () => expect(await queues.stateOf(webhookJobId(event._id))).toBe('completed'));
      expect((await queues.stripeEvents.getJob(webhookJobId(event._id)))?.attemptsStarted).toBe(2);
    } finally {
      await queues.close();
    }
    await waitFor(async () => expect(stack.smtp.messages().filter((m) => m.to.includes(user.email))).toHaveLength(1), {
      timeoutMs: 10_000,
    });
    expect(await productState(stack, product._id)).toEqual({ stock: 2, held: 0 });
    expect(await stack.database.collections.payments.countDocuments({ orderId, status: 'succeeded' })).toBe(1);
  }, 90_000);
});

describe('Redis down at ingest', () => {
  let stack: Stack;
  let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it('still answers 2xx after the durable record, and processes the event once Redis is back', async () => {
    redis = await startRedisServer();
    stack = await startStack({ env: { REDIS_URL: redis.url, RECONCILE_INTERVAL_MS: '1000' } });
    const product = await insertProduct(stack, { stock: 2 });
    const { orderId, sessionId } = await orderWithSession(stack, product, 1);

    await redis.stop();
    await stack.sim.pay(sessionId);
    await stack.sim.waitForDeliveries();
    const event = stack.sim
      .events()
      .find((e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === sessionId)!;
    expect(
      stack.sim
        .deliveries()
        .filter((d) => d.eventId === event.id)
        .map((d) => d.statusCode),
    ).toEqual([200]);
    expect((await stack.database.collections.webhookEvents.findOne({ _id: event.id }))?.status).toBe('received');
    expect((await stack.database.collections.orders.findOne({ _id: orderId }))?.status).toBe('pending_payment');

    redis = await startRedisServer({ port: redis.port });
    // The event is marked processed just after the order's transaction commits: wait for both.
    await waitFor(
      async () => {
        expect((await stack.database.collections.orders.findOne({ _id: orderId }))?.status).toBe('paid');
        expect((await stack.database.collections.webhookEvents.findOne({ _id: event.id }))?.status).toBe('processed');
      },
      { timeoutMs: 30_000 },
    );
    expect(await productState(stack, product._id)).toEqual({ stock: 1, held: 0 });
  }, 90_000);
});

describe('failing handlers', () => {
  let stack: Stack;
  afterAll(async () => stack?.stop());

  it('a transient failure succeeds on a later attempt, with growing delays', async () => {
    stack = await startStack();
    const product = await insertProduct(stack, { stock: 5 });
    const user = await stack.createUser();
    const orderId = new ObjectId();
    const { id, payload } = paidSessionEvent(orderId, 2500);
    expect((await deliver(stack, payload)).status).toBe(200);
    // The order is not there yet (Stripe can beat our own write): attempts fail until it is.
    await waitFor(
      async () =>
        expect((await stack.database.collections.webhookEvents.findOne({ _id: id }))?.attemptLog?.length).toBe(2),
      { timeoutMs: 15_000 },
    );
    await insertOrderFor(stack, orderId, product._id, new ObjectId(user.id), 2500);
    await waitFor(
      async () =>
        expect((await stack.database.collections.webhookEvents.findOne({ _id: id }))?.status).toBe('processed'),
      { timeoutMs: 15_000 },
    );
    const record = await stack.database.collections.webhookEvents.findOne({ _id: id });
    // At least the 2 failures waited for (a third can land before the order is written on a slow machine).
    const failures = record!.attemptLog!.map((a) => a.attempt);
    expect(failures.slice(0, 2)).toEqual([1, 2]);
    // Growing delays: the backoff BullMQ scheduled after each failure, as the worker logged it.
    expect(retryDelaysOf(stack, id)).toEqual(failures.map(expectedBackoff));
    expect((await stack.database.collections.orders.findOne({ _id: orderId }))?.status).toBe('paid');
    expect(await stack.database.collections.failedWebhooks.countDocuments({ eventId: id })).toBe(0);
  }, 60_000);

  it('an always-failing event lands in failed-webhooks, and a replay processes it once fixed', async () => {
    const product = await insertProduct(stack, { stock: 5 });
    const user = await stack.createUser();
    const admin = await stack.createUser('admin');
    const orderId = new ObjectId();
    const { id, payload } = paidSessionEvent(orderId, 2500);
    expect((await deliver(stack, payload)).status).toBe(200);

    const dead = await waitFor(
      async () => {
        const doc = await stack.database.collections.failedWebhooks.findOne({ eventId: id });
        expect(doc).toBeTruthy();
        return doc!;
      },
      { timeoutMs: 30_000 },
    );
    expect(dead.attempts).toHaveLength(4); // JOB_ATTEMPTS in the stack
    expect(dead.error).toMatch(/not found/);
    // Exponential backoff between the 4 attempts, as scheduled (not measured): 3 growing delays.
    expect(retryDelaysOf(stack, id)).toEqual([expectedBackoff(1), expectedBackoff(2), expectedBackoff(3)]);
    expect((await stack.database.collections.webhookEvents.findOne({ _id: id }))?.status).toBe('failed');

    // The operator fixes the cause, then replays.
    await insertOrderFor(stack, orderId, product._id, new ObjectId(user.id), 2500);
    const listed = await api<{ items: { id: string; eventId: string }[] }>(
      stack,
      'GET',
      '/api/admin/failed-webhooks',
      admin.headers,
    );
    const item = listed.body.items.find((i) => i.eventId === id)!;
    const replay = await api(stack, 'POST', `/api/admin/failed-webhooks/${item.id}/replay`, admin.headers);
    expect(replay.status).toBe(202);
    await waitFor(
      async () => expect((await stack.database.collections.orders.findOne({ _id: orderId }))?.status).toBe('paid'),
      { timeoutMs: 15_000 },
    );
    await waitFor(
      async () =>
        expect((await stack.database.collections.failedWebhooks.findOne({ eventId: id }))?.resolvedAt).toBeInstanceOf(
          Date,
        ),
      { timeoutMs: 5000 },
    );
    expect(await stack.database.collections.payments.countDocuments({ orderId })).toBe(1);
  }, 60_000);
});

describeRealMongo('concurrent fulfilments on one product', () => {
  let stack: Stack;
  afterAll(async () => stack?.stop());

  it('two late payments for the last unit: one order paid, the other refunded', async () => {
    stack = await startStack({ workers: 2 });
    const product = await insertProduct(stack, { stock: 2 });
    const a = await orderWithSession(stack, product, 1);
    const b = await orderWithSession(stack, product, 1);
    // Both reservations lapse while their sessions stay payable (the shop's expiry ran, Stripe's
    // session did not end: cancelling would expire the sessions, and Stripe refuses to pay those).
    for (const o of [a, b]) {
      expect(await endUnpaidOrder(stack.database, o.orderId, 'expired', 'reservation lapsed')).not.toBeNull();
    }
    // One unit is left for two payments arriving at once.
    await changeStock(stack.database, product._id, { delta: -1, reason: 'one unit damaged', by: 'test' });
    await Promise.all([stack.sim.pay(a.sessionId), stack.sim.pay(b.sessionId)]);
    await waitFor(
      async () => {
        const statuses = await stack.database.collections.orders
          .find({ _id: { $in: [a.orderId, b.orderId] } })
          .toArray();
        expect(statuses.map((o) => o.status).sort()).toEqual(['paid', 'refunded']);
      },
      { timeoutMs: 30_000 },
    );
    expect(await productState(stack, product._id)).toEqual({ stock: 0, held: 0 });
    expect((await stack.database.collections.products.findOne({ _id: product._id }))?.reserved).toBe(0);
  }, 90_000);
});
