/**
 * After chaos stops: wait (bounded) until the system is at rest — Stripe has nothing left to
 * deliver, no webhook event is received/queued/processing, the queues are empty, no email is
 * pending, no hold belongs to an order that no longer holds stock, and no paid Checkout Session
 * still has an unpaid order. Reports what was still moving if the bound is hit.
 */
import { ObjectId } from '@simple-shop/db';
import { createQueue, emailsQueue, stripeEventsQueue, bullPrefix } from '@simple-shop/queue';
import type { SoakStack } from './stack';

export interface RestState {
  unsettledEvents: number;
  queuedJobs: Record<string, number>;
  pendingEmails: number;
  /** Claimed by an attempt and not finished (informational: a crash mid-send leaves one for its lease). */
  sendingEmails: number;
  staleHolds: number;
  paidSessionsWithUnpaidOrder: number;
  pendingDeliveries: boolean;
}

export interface ConvergeResult {
  converged: boolean;
  ms: number;
  last: RestState;
}

const HOLDING = new Set(['pending_payment', 'needs_review']);

export async function restState(stack: SoakStack, deliveriesIdle: boolean): Promise<RestState> {
  const { webhookEvents, emailOutbox, products, orders } = stack.database.collections;
  const prefix = bullPrefix(stack.env.REDIS_KEY_PREFIX!);
  const retry = { attempts: 1, backoffMs: 1000 };
  const queuedJobs: Record<string, number> = {};
  const queues = [
    createQueue(stripeEventsQueue(retry), stack.redisClient, prefix).queue,
    createQueue(emailsQueue(retry), stack.redisClient, prefix).queue,
  ];
  for (const queue of queues) {
    try {
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'waiting-children',
        'paused',
      );
      queuedJobs[queue.name] = Object.values(counts).reduce((a, b) => a + b, 0);
    } catch {
      queuedJobs[queue.name] = -1; // Redis not answering
    } finally {
      await queue.close().catch(() => undefined);
    }
  }
  const unsettledEvents = await webhookEvents.countDocuments({ status: { $in: ['received', 'queued', 'processing'] } });
  const pendingEmails = await emailOutbox.countDocuments({ status: 'pending' });
  const sendingEmails = await emailOutbox.countDocuments({ status: 'sending' });

  let staleHolds = 0;
  const withHolds = await products.find({ holds: { $exists: true } }).toArray();
  const holders = new Set<string>();
  // Hold markers are keyed `<orderId>-<productId>-<attempt>`.
  for (const p of withHolds) for (const key of Object.keys(p.holds ?? {})) holders.add(key.slice(0, 24));
  if (holders.size > 0) {
    const owning = await orders
      .find({ _id: { $in: [...holders].filter((h) => /^[0-9a-f]{24}$/.test(h)).map((h) => new ObjectId(h)) } })
      .toArray();
    const status = new Map(owning.map((o) => [o._id.toHexString(), o.status]));
    for (const h of holders) if (!HOLDING.has(status.get(h) ?? 'missing')) staleHolds += 1;
  }

  const paidSessions = stack.sim.sessions().filter((s) => s.payment_status === 'paid');
  let paidSessionsWithUnpaidOrder = 0;
  if (paidSessions.length > 0) {
    const ids = paidSessions.map((s) => s.metadata?.orderId).filter((id): id is string => Boolean(id));
    const found = await orders.find({ _id: { $in: ids.map((id) => new ObjectId(id)) } }).toArray();
    paidSessionsWithUnpaidOrder = found.filter((o) =>
      ['pending_payment', 'payment_failed', 'cancelled', 'expired'].includes(o.status),
    ).length;
  }
  return {
    unsettledEvents,
    queuedJobs,
    pendingEmails,
    sendingEmails,
    staleHolds,
    paidSessionsWithUnpaidOrder,
    pendingDeliveries: !deliveriesIdle,
  };
}

export function atRest(state: RestState): boolean {
  return (
    !state.pendingDeliveries &&
    state.unsettledEvents === 0 &&
    Object.values(state.queuedJobs).every((n) => n === 0) &&
    state.pendingEmails === 0 &&
    state.staleHolds === 0 &&
    state.paidSessionsWithUnpaidOrder === 0
  );
}

/** Work still to do: what the system must finish before it is at rest (0 when at rest). */
export function remainingWork(state: RestState): number {
  return (
    (state.pendingDeliveries ? 1 : 0) +
    state.unsettledEvents +
    Object.values(state.queuedJobs).reduce((a, n) => a + Math.max(0, n), 0) +
    state.pendingEmails +
    state.staleHolds +
    state.paidSessionsWithUnpaidOrder
  );
}

/**
 * Waits until the system is at rest (twice in a row, a reconciliation interval apart). The bound
 * is on progress, not on total time, so a loaded machine that processes slowly is not failed for
 * being slow: it fails when the remaining work has not reached a new low for `stallMs` (nothing
 * moves: a stuck job, a lost event), or at `capMs` whatever happens (a livelock that keeps
 * moving without ever finishing).
 */
export async function converge(
  stack: SoakStack,
  bounds: { stallMs: number; capMs: number },
  log: (line: string) => void,
): Promise<ConvergeResult> {
  const started = Date.now();
  let calm = 0;
  let last: RestState | undefined;
  let lastPrinted = 0;
  let lowest = Number.POSITIVE_INFINITY;
  let progressAt = started;
  for (;;) {
    const deliveriesIdle = await Promise.race([
      stack.sim.waitForDeliveries().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 300)),
    ]);
    last = await restState(stack, deliveriesIdle);
    const remaining = remainingWork(last);
    if (remaining < lowest) {
      lowest = remaining;
      progressAt = Date.now();
    }
    calm = atRest(last) ? calm + 1 : 0;
    // Twice in a row, a reconciliation interval apart: nothing left in flight between checks.
    if (calm >= 2) return { converged: true, ms: Date.now() - started, last };
    const now = Date.now();
    if (now - progressAt > bounds.stallMs || now - started > bounds.capMs) {
      log(
        `converging: giving up after ${Math.round((now - started) / 1000)} s, ${Math.round((now - progressAt) / 1000)} s without progress`,
      );
      return { converged: false, ms: now - started, last };
    }
    if (now - lastPrinted > 10_000) {
      lastPrinted = now;
      log(`converging (${Math.round((now - started) / 1000)} s, remaining ${remaining}): ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, calm ? 2500 : 1000));
  }
}
