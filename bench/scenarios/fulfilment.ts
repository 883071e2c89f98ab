/**
 * 8. End-to-end fulfilment: signed `checkout.session.completed` → API ingest → queue → worker
 * transaction → order `paid` in MongoDB.
 *
 * Setup (not measured): N orders and their Checkout Sessions through the API, then each session is
 * paid in the Stripe simulator, which records a real `checkout.session.completed` event (the
 * simulator has no webhook URL, so it delivers nothing itself). Measured: the bench POSTs those
 * events, signed, with autocannon, and polls MongoDB until every order is `paid`.
 *
 * To count the fulfilment job's MongoDB commands on their own, the `emails` queue is paused while
 * the events are processed; the confirmation-email jobs then run and are measured separately.
 */
import { ObjectId } from '@simple-shop/db';
import { bullPrefix, createQueue, emailsQueue } from '@simple-shop/queue';
import { signed, webhookHeaders, type SignedEvent } from '../events';
import { runLoad, summarise, type RequestSpec } from '../load';
import { diff, scrape, served, snapshotBefore } from '../metrics';
import { monotonicMicros } from '../profile';
import { benchPids, between, sample } from '../sysload';
import { boundBy, cost, pool } from './common';
import { spread } from './writes';
import type { BenchContext, ScenarioResult } from './types';

interface SimState {
  events: { id: string; type: string; data: { object: { id: string } } }[];
}

async function post(url: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

export async function fulfilment(ctx: BenchContext): Promise<ScenarioResult> {
  const { settings, users, catalog, database } = ctx;
  const n = settings.fulfilOrders;

  // Setup: N orders + sessions, then paid in the simulator.
  const setupStarted = performance.now();
  const orders = await pool(
    Array.from({ length: n }, (_, i) => i),
    16,
    async (i) => {
      const user = users[i % users.length]!;
      const order = await post(`${ctx.api.url}/api/orders`, user.headers, {
        items: [{ productId: spread(catalog.productIds, i + 17), quantity: 1 }],
      });
      if (order.status !== 201)
        throw new Error(`fulfilment setup: order ${order.status} ${JSON.stringify(order.body)}`);
      const session = await post(`${ctx.api.url}/api/payments/create-intent`, user.headers, { orderId: order.body.id });
      if (session.status !== 201) {
        throw new Error(`fulfilment setup: create-intent ${session.status} ${JSON.stringify(session.body)}`);
      }
      return { orderId: String(order.body.id), sessionId: String(session.body.sessionId) };
    },
  );
  await pool(orders, 16, async ({ sessionId }) => {
    const res = await fetch(`${ctx.sim.url}/_sim/sessions/${sessionId}/pay`, { method: 'POST' });
    if (!res.ok) throw new Error(`fulfilment setup: simulator pay ${res.status} ${await res.text()}`);
  });
  const state = (await (await fetch(`${ctx.sim.url}/_sim/state`)).json()) as SimState;
  const bySession = new Map(
    state.events.filter((e) => e.type === 'checkout.session.completed').map((e) => [e.data.object.id, e]),
  );
  const orderOfEvent = new Map<string, string>();
  const events: SignedEvent[] = orders.map(({ orderId, sessionId }) => {
    const event = bySession.get(sessionId);
    if (!event) throw new Error(`fulfilment setup: no checkout.session.completed for ${sessionId}`);
    orderOfEvent.set(event.id, orderId);
    return signed(event.id, JSON.stringify(event), ctx.webhookSecret);
  });
  const setupS = (performance.now() - setupStarted) / 1000;
  ctx.log(`fulfilment: ${n} orders with paid sessions ready in ${setupS.toFixed(1)} s`);

  const emails = createQueue(emailsQueue({ attempts: 1, backoffMs: 1000 }), ctx.redis, bullPrefix(ctx.keyPrefix));
  await emails.queue.pause();
  try {
    const sentAt = new Map<string, number>();
    const delivered = new Set<string>();
    let k = 0;
    const requests: RequestSpec[] = [
      {
        method: 'POST',
        path: '/api/payments/webhook',
        setupRequest: (req, context) => {
          const event = events[k++ % events.length]!;
          (context as Record<string, unknown>).eventId = event.id;
          if (!sentAt.has(event.id)) sentAt.set(event.id, performance.now());
          return { ...req, headers: webhookHeaders(event), body: event.payload };
        },
        onResponse: (status, _body, context) => {
          if (status === 200) delivered.add((context as Record<string, unknown>).eventId as string);
        },
      },
    ];

    const [apiBefore, workerBefore] = await Promise.all([snapshotBefore(ctx.api.url), snapshotBefore(ctx.worker.url)]);
    const fromUs = monotonicMicros();
    const loadBefore = sample([...benchPids]);
    const firstSent = performance.now();
    const ingest = await runLoad({
      url: ctx.api.url,
      connections: Math.min(settings.writeConnections, n),
      amount: n,
      requests,
    });
    // Like Stripe, deliver again what did not get a 2xx.
    for (const event of events) {
      if (delivered.has(event.id)) continue;
      const res = await fetch(`${ctx.api.url}/api/payments/webhook`, {
        method: 'POST',
        headers: webhookHeaders(event),
        body: event.payload,
      });
      if (res.ok) delivered.add(event.id);
      await res.arrayBuffer();
    }

    // Poll MongoDB until every order is paid.
    const pending = new Map(orders.map(({ orderId }) => [orderId, new ObjectId(orderId)]));
    const paidAt = new Map<string, number>();
    const deadline = Date.now() + 180_000;
    while (pending.size > 0 && Date.now() < deadline) {
      const paid = await database.collections.orders
        .find({ _id: { $in: [...pending.values()] }, status: 'paid' }, { projection: { _id: 1 } })
        .toArray();
      const now = performance.now();
      for (const doc of paid) {
        const id = doc._id.toHexString();
        paidAt.set(id, now);
        pending.delete(id);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
    }
    const lastPaid = Math.max(firstSent, ...paidAt.values());
    const machineLoad = between(loadBefore, sample([...benchPids]));
    const toUs = monotonicMicros();
    // Let the worker finish the jobs (the event is marked processed after the order is paid).
    const queuedDeadline = Date.now() + 60_000;
    while (Date.now() < queuedDeadline) {
      const open = await database.collections.webhookEvents.countDocuments({
        status: { $in: ['received', 'queued'] },
      });
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const [apiAfter, workerAfter] = await Promise.all([scrape(ctx.api.url), scrape(ctx.worker.url)]);

    // Confirmation emails: resume the queue and measure those jobs on their own.
    const emailBefore = await snapshotBefore(ctx.worker.url);
    await emails.queue.resume();
    const emailDeadline = Date.now() + 60_000;
    while (Date.now() < emailDeadline) {
      if ((await database.collections.emailOutbox.countDocuments({ status: 'pending' })) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const emailAfter = await scrape(ctx.worker.url);
    const emailsSent = await database.collections.emailOutbox.countDocuments({ status: 'sent' });

    const paidCount = paidAt.size;
    const elapsedS = (lastPaid - firstSent) / 1000;
    const e2e: number[] = [];
    for (const [eventId, orderId] of orderOfEvent) {
      const sent = sentAt.get(eventId);
      const paid = paidAt.get(orderId);
      if (sent !== undefined && paid !== undefined) e2e.push(paid - sent);
    }
    const apiDiff = diff(apiAfter, apiBefore, ctx.overhead.api);
    const workerDiff = diff(workerAfter, workerBefore, ctx.overhead.worker);
    const emailDiff = diff(emailAfter, emailBefore, ctx.overhead.worker);
    const api = cost(apiDiff, served(apiDiff, (_m, route) => route === '/api/payments/webhook') || n, elapsedS);
    const worker = cost(workerDiff, paidCount, elapsedS);
    const notes = [
      `${n} orders (setup ${setupS.toFixed(1)} s, not measured). Events/s = paid orders / (last order seen paid − first event sent); ` +
        'latency = event sent → order seen `paid` by polling MongoDB every 50 ms.',
      'The `emails` queue is paused while the events are processed, so the worker figures are the fulfilment job alone; ' +
        `the ${emailsSent} confirmation emails are then sent and measured separately.`,
    ];
    if (pending.size > 0) notes.push(`${pending.size} order(s) were still not paid after 180 s.`);
    if (ctx.isStandIn) {
      notes.push(
        'On the stand-in the worker runs its transactions one at a time (packages/db/src/transaction.ts), and every write costs time proportional to the collection size.',
      );
    }
    return {
      id: 'fulfilment',
      title: 'End-to-end fulfilment (signed event → order paid)',
      unit: 'order',
      connections: Math.min(settings.writeConnections, n),
      ops: paidCount,
      elapsedS,
      opsPerSec: elapsedS > 0 ? paidCount / elapsedS : 0,
      reqPerSec: ingest.responses / ingest.elapsedS,
      latency: summarise(e2e),
      latencyOf: 'event sent → order paid',
      successRate: paidCount / n,
      statusCounts: ingest.statusCounts,
      api,
      worker,
      workerEmail: cost(emailDiff, Math.max(1, emailsSent)),
      boundBy: ctx.isStandIn
        ? 'stand-in writes + serialised stand-in transactions (worker)'
        : boundBy(ctx, worker.cpuCores, 'heavy', machineLoad, 'worker'),
      notes,
      window: { fromUs, toUs },
      ...(machineLoad ? { machineLoad } : {}),
      extra: {
        ingestEventsPerSec: ingest.ok / ingest.elapsedS,
        ingestLatency: ingest.latency,
        setupSeconds: setupS,
        emailsSent,
        redelivered: n - ingest.ok,
      },
    };
  } finally {
    await emails.queue.resume().catch(() => undefined);
    await emails.queue.close().catch(() => undefined);
  }
}
