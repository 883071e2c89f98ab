import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { signPayload } from '@simple-shop/stripe-simulator';
import { STACK_WEBHOOK_SECRET, itRealMongo, startStack, waitFor, type Stack } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertProduct, observeQueues, productState } from './fulfilment/pipeline.test-support';
import { sumSamples } from './infra.test-support';

/**
 * Scale-out without containers: TWO API processes and TWO worker processes on one MongoDB and one Redis
 * (what `docker compose up --scale api=2 --scale worker=2` or two replicas per Deployment run). Shows that
 * the per-IP rate limit is one limit across the API replicas, that jobs spread over the workers, and that
 * every Stripe event has exactly one effect when its deliveries land on different API replicas at once.
 *
 * The APIs run with TRUST_PROXY=true, as behind the load balancer: the client address is the
 * X-Forwarded-For the proxy sets, so each scenario here uses its own client addresses.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    apis: 2,
    workers: 2,
    env: {
      RATE_LIMIT_MAX: '40',
      // Catalog reads have their own limit class (counted with the cache read); the same 40 here.
      CATALOG_RATE_LIMIT_MAX: '40',
      RATE_LIMIT_WINDOW_MS: '60000',
      TRUST_PROXY: 'true',
      QUEUE_CONCURRENCY: '2',
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

let lastIp = 0;
const freshClient = () => ({ 'x-forwarded-for': `198.51.100.${(lastIp += 1)}` });
const json = (line: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};
const metricsOf = async (url: string) => (await fetch(`${url}/metrics`)).text();
const workerMetricsUrl = async (worker: Stack['workers'][number]) => {
  const line = await worker.waitForLine(/worker http listening/);
  const port = new URL(String(json(line)?.address)).port;
  return `http://127.0.0.1:${port}`;
};

describe('two API and two worker processes on one MongoDB and Redis', () => {
  it('rate limits hold across API replicas: 30 requests to API-1 then 30 to API-2 → exactly 40 pass', async () => {
    const [api1, api2] = stack.apis;
    const client = { 'x-forwarded-for': '203.0.113.7' };
    const burst = (url: string) =>
      Promise.all(Array.from({ length: 30 }, () => fetch(`${url}/api/products?limit=1`, { headers: client })));
    const first = await burst(api1!.url);
    const second = await burst(api2!.url);
    const ok = (list: Response[]) => list.filter((r) => r.status === 200).length;
    const limited = (list: Response[]) => list.filter((r) => r.status === 429);

    expect(ok(first)).toBe(30);
    // API-2 has served this client nothing yet, but the count lives in Redis: only 10 are left.
    expect(ok(second)).toBe(10);
    expect(limited(second)).toHaveLength(20);
    expect(ok(first) + ok(second)).toBe(40);
    const refused = limited(second)[0]!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    // The limit is per client: another address still passes on either replica.
    expect((await fetch(`${api2!.url}/api/products?limit=1`, { headers: freshClient() })).status).toBe(200);
    expect((await fetch(`${api1!.url}/api/products?limit=1`, { headers: client })).status).toBe(429);
  });

  it('jobs spread over both workers, each processed once, and the request ID follows each job', async () => {
    const admin = await stack.createUser('admin');
    const ids: string[] = [];
    const processedBy = () =>
      stack.workers.map((worker) =>
        worker.stdout
          .map(json)
          .filter((l) => l?.msg === 'heartbeat processed' && ids.includes(String(l.correlationId))),
      );
    // A burst of 20 heartbeats, alternating between the APIs. Which worker takes a job is up to BullMQ; in
    // the unlikely case one worker took all 20, another burst follows (at most 3).
    let perWorker: ReturnType<typeof processedBy> = [];
    for (let round = 0; round < 3 && !(perWorker.length === 2 && perWorker.every((l) => l.length > 0)); round += 1) {
      const burst = Array.from({ length: 20 }, (_, i) => `scale-hb-${round}-${i}-${new ObjectId().toHexString()}`);
      ids.push(...burst);
      const answers = await Promise.all(
        burst.map((id, i) =>
          fetch(`${stack.apis[i % 2]!.url}/api/admin/maintenance/heartbeat`, {
            method: 'POST',
            headers: { ...admin.headers, ...freshClient(), 'x-request-id': id },
            body: '{}',
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(burst.map(() => 202));
      perWorker = await waitFor(
        () => {
          const lines = processedBy();
          expect(lines.flat()).toHaveLength(ids.length);
          return lines;
        },
        { timeoutMs: 60_000 },
      );
    }
    // Exactly once: every heartbeat by one worker, none twice.
    expect(new Set(perWorker.flat().map((l) => l!.correlationId)).size).toBe(ids.length);
    // Spread: both workers took some (BullMQ workers compete for jobs on the same Redis list).
    console.log(`heartbeats per worker: ${perWorker.map((l) => l.length).join(' + ')}`);
    for (const lines of perWorker) expect(lines.length).toBeGreaterThan(0);
    const pids = perWorker.map((lines) => new Set(lines.map((l) => l!.pid)));
    expect(pids.every((set) => set.size === 1)).toBe(true);
    expect(new Set(pids.flatMap((set) => [...set])).size).toBe(2);
    // One request followed across processes: the API logged the same ID as requestId, with its service
    // (its line is written when the answer is sent, so it may arrive after the worker's).
    await waitFor(() => {
      for (const [i, id] of ids.entries()) {
        const apiLine = stack.apis[i % 2]!.process.stdout.map(json).find((l) => l?.requestId === id);
        expect(apiLine).toMatchObject({ service: 'api', requestId: id, msg: 'request completed' });
        const workerLine = perWorker.flat().find((l) => l!.correlationId === id);
        expect(workerLine).toMatchObject({ service: 'worker', queue: 'maintenance', correlationId: id });
      }
    });
  });

  it('10 orders paid with every webhook delivered to BOTH APIs at once: one payment, one email, stock once', async () => {
    await payTenOrdersThroughBothApis('a product per order');
  });

  // Ten transactions of two worker processes consuming holds on ONE product document at the same time:
  // on a real MongoDB a write conflict aborts and retries one of them. The jongodb stand-in serialises
  // transactions only within a process and has no write-conflict detection, so across processes an
  // $unset of a hold can be lost (seen: `held: 7` left over) — a stand-in artefact, hence real MongoDB only.
  itRealMongo('the same with all 10 orders on one product (cross-process transaction contention)', async () => {
    await payTenOrdersThroughBothApis('one shared product');
  });
});

async function payTenOrdersThroughBothApis(products: 'a product per order' | 'one shared product') {
  const shared =
    products === 'one shared product' ? await insertProduct(stack, { stock: 100, price: 1000 }) : undefined;
  const apis = stack.apis;
  const webhookUrl = (i: number) => `${apis[i % 2]!.url}/api/payments/webhook`;
  const before = await Promise.all(apis.map((a) => metricsOf(a.url)));

  const orders: {
    user: Awaited<ReturnType<Stack['createUser']>>;
    product: ProductDoc;
    orderId: string;
    sessionId: string;
    quantity: number;
  }[] = [];
  for (let i = 0; i < 10; i += 1) {
    const product = shared ?? (await insertProduct(stack, { stock: 10, price: 1000 + i }));
    // Orders and checkouts alternate between the replicas too.
    const api = apis[i % 2]!.url;
    const user = await stack.createUser();
    const headers = { ...user.headers, ...freshClient() };
    const quantity = 1 + (i % 3);
    const order = await fetch(`${api}/api/orders`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ items: [{ productId: product._id.toHexString(), quantity }] }),
    });
    expect(order.status).toBe(201);
    const orderId = ((await order.json()) as { id: string }).id;
    const session = await fetch(`${apis[(i + 1) % 2]!.url}/api/payments/create-intent`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ orderId }),
    });
    expect(session.status).toBe(201);
    const sessionId = ((await session.json()) as { sessionId: string }).sessionId;
    orders.push({ user, product, orderId, sessionId, quantity });
  }
  const expectedStock = async () => {
    if (shared) {
      const held = orders.reduce((sum, o) => sum + o.quantity, 0);
      return [{ id: shared._id, stock: 100 - held, held }];
    }
    return orders.map((o) => ({ id: o.product._id, stock: 10 - o.quantity, held: o.quantity }));
  };
  for (const { id, stock, held } of await expectedStock()) {
    await waitFor(async () => expect(await productState(stack, id)).toEqual({ stock, held }));
  }

  // Pay: Stripe (the simulator) delivers each event to one replica while the same signed event is
  // posted to the other one at the same moment — a duplicate delivery racing across replicas. One order
  // at a time, so the simulator's webhook URL cannot change under a pending delivery.
  const eventIds: string[] = [];
  const eventsBefore = stack.sim.events().length;
  for (const [i, o] of orders.entries()) {
    stack.sim.setWebhookUrl(webhookUrl(i));
    await stack.sim.pay(o.sessionId);
    const event = stack.sim
      .events()
      .find((e) => e.type === 'checkout.session.completed' && (e.data.object as { id: string }).id === o.sessionId)!;
    eventIds.push(event.id);
    const payload = JSON.stringify(event);
    const [res] = await Promise.all([
      fetch(webhookUrl(i + 1), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, STACK_WEBHOOK_SECRET) },
        body: payload,
      }),
      stack.sim.waitForDeliveries(),
    ]);
    expect(res.status).toBe(200);
    // One payment at a time: on the offline stand-in, payment transactions of two worker processes
    // that overlap are not isolated from each other (a real replica set isolates them; the
    // cross-process contention case is the real-server test below).
    await waitFor(
      async () =>
        expect((await stack.database.collections.orders.findOne({ _id: new ObjectId(o.orderId) }))?.status).toBe(
          'paid',
        ),
      { timeoutMs: 60_000 },
    );
  }
  const deliveries = stack.sim.deliveries().filter((d) => eventIds.includes(d.eventId));
  expect(deliveries.length).toBeGreaterThanOrEqual(10);
  expect(new Set(eventIds).size).toBe(10);

  const { orders: ordersCol, payments, webhookEvents } = stack.database.collections;
  await waitFor(
    async () => {
      const paid = await ordersCol.countDocuments({
        _id: { $in: orders.map((o) => new ObjectId(o.orderId)) },
        status: 'paid',
      });
      expect(paid).toBe(10);
    },
    { timeoutMs: 90_000 },
  );
  await waitFor(
    () => {
      for (const o of orders) expect(stack.smtp.messages().filter((m) => m.to.includes(o.user.email))).toHaveLength(1);
    },
    { timeoutMs: 45_000 },
  );
  // Every delivery answered and every job it queued ended (no late duplicate left), then check
  // that nothing happened twice.
  await stack.sim.waitForDeliveries();
  const queues = observeQueues(stack);
  try {
    await queues.drained(60_000);
  } finally {
    await queues.close();
  }
  for (const o of orders) {
    expect(await payments.countDocuments({ sessionId: o.sessionId })).toBe(1);
    const doc = await ordersCol.findOne({ _id: new ObjectId(o.orderId) });
    expect(doc?.history.filter((h) => h.status === 'paid')).toHaveLength(1);
    expect(stack.smtp.messages().filter((m) => m.to.includes(o.user.email))).toHaveLength(1);
  }
  expect(await webhookEvents.countDocuments({ _id: { $in: eventIds }, status: 'processed' })).toBe(10);
  for (const { id, stock } of await expectedStock()) {
    await waitFor(async () => expect(await productState(stack, id)).toEqual({ stock, held: 0 }));
  }

  // The metrics agree: across the two APIs each event was accepted once and refused as a duplicate once;
  // across the two workers each was processed once and completed one payment.
  await stack.sim.waitForDeliveries(); // every event answered, so the APIs have counted it
  const after = await Promise.all(apis.map((a) => metricsOf(a.url)));
  const delta = (result: string) =>
    after.reduce(
      (sum, text, i) =>
        sum +
        sumSamples(text, 'webhook_events_total', { result }) -
        sumSamples(before[i]!, 'webhook_events_total', { result }),
      0,
    );
  // Stripe sends 5 events around each card payment (payment_intent.created/succeeded,
  // charge.succeeded/updated, checkout.session.completed); each is accepted once. Only the
  // completed events were also posted to the other replica.
  const sent = stack.sim.events().length - eventsBefore;
  expect(sent).toBe(50);
  expect(delta('accepted')).toBe(sent);
  expect(delta('duplicate')).toBe(10);
  for (const text of after) {
    expect(sumSamples(text, 'http_request_total', { route: '/api/payments/webhook' })).toBeGreaterThanOrEqual(5);
  }
  const workerMetrics = await Promise.all(stack.workers.map(async (w) => metricsOf(await workerMetricsUrl(w))));
  const workerSum = (name: string, labels: Record<string, string> = {}) =>
    workerMetrics.reduce((sum, text) => sum + sumSamples(text, name, labels), 0);
  expect(workerSum('payments_success')).toBe(10);
  expect(workerSum('payments_total', { outcome: 'succeeded' })).toBe(10);
  expect(workerSum('webhook_events_total', { result: 'processed' })).toBe(10);

  // The logs tell the same story, joined by IDs: the API line that created each order names the user and
  // the order; the API line that recorded its payment event carries the delivery's requestId, and the
  // worker's `order paid` line carries that ID as correlationId — across whichever replicas handled them.
  const lines = (procs: { stdout: readonly string[] }[]) => procs.flatMap((p) => p.stdout.map(json)).filter(Boolean);
  const apiLines = lines(apis.map((a) => a.process));
  const workerLines = lines(stack.workers);
  for (const [i, o] of orders.entries()) {
    const created = apiLines.find((l) => l!.msg === 'order created' && l!.orderId === o.orderId);
    expect(created).toMatchObject({ service: 'api', userId: o.user.id, requestId: expect.any(String) });
    const recorded = apiLines.find((l) => l!.msg === 'stripe webhook recorded' && l!.eventId === eventIds[i]);
    expect(recorded).toMatchObject({ service: 'api', requestId: expect.any(String) });
    // Each event reached both APIs; the one whose enqueue created the job (the recording one, or the
    // duplicate that saw the event still unqueued and queued it too) is the one the worker names.
    const deliveries = apiLines
      .filter((l) => l!.eventId === eventIds[i] && /^stripe webhook (recorded|duplicate ignored)$/.test(String(l!.msg)))
      .map((l) => l!.requestId);
    const paid = workerLines.find((l) => l!.msg === 'order paid' && l!.orderId === o.orderId);
    expect(paid).toMatchObject({ service: 'worker', eventId: eventIds[i], correlationId: expect.any(String) });
    expect(deliveries).toContain(paid!.correlationId);
  }
  console.log(
    `payments per worker: ${workerMetrics.map((t) => sumSamples(t, 'payments_success')).join(' + ')}; ` +
      `accepted per API: ${after.map((t, i) => sumSamples(t, 'webhook_events_total', { result: 'accepted' }) - sumSamples(before[i]!, 'webhook_events_total', { result: 'accepted' })).join(' + ')}`,
  );
}
