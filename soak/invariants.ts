/**
 * The soak's invariants, checked after convergence against MongoDB, the Stripe simulator's own
 * books and the SMTP catcher. Each returns every violation it finds (the report shows the first).
 *
 * Stock accounting, derived from the code (packages/orders inventory/*, transitions.ts,
 * packages/order-outcomes/*):
 *   initial stock = stock + Σ holds + Σ units of orders whose status is `paid`.
 * - createOrder reserves (stock −q, reserved +q, marker holds.<order>-<product>-<n> = q);
 *   cancel/expiry/failed payment release it (stock +q, reserved −q, marker removed);
 *   reconciliation releases reservations of orders in any other status.
 * - payment consumes the reservation (after the commit: reserved −q, marker removed, stock
 *   unchanged) or, if it lapsed, reserves q again first: a `paid` order has consumed exactly its units.
 * - a paid order refunded (customer cancel → refundOrder restock:true; refund made in Stripe →
 *   recordStripeRefund) puts its units back through a restock adjustment: consumed then returned = 0.
 * - a payment that arrives after the hold lapsed and finds no stock is refunded with
 *   restock:false: the consuming transaction was rolled back, it never consumed = 0.
 * - `needs_review` orders keep their holds (counted in Σ holds), and never consumed.
 * So a `refunded` order contributes nothing: that is the precise meaning of "not both refunded
 * and fulfilled", checked together with the money side in `refunds-consistent`.
 */
import type {
  EmailOutboxDoc,
  FailedWebhookDoc,
  InventoryAdjustmentDoc,
  OrderDoc,
  PaymentDoc,
  ProductDoc,
  ReservationDoc,
  UserDoc,
  WebhookEventDoc,
} from '@simple-shop/db';
import { canTransition, isOrderStatus } from '@simple-shop/domain';
import type { CapturedMail } from '@simple-shop/testing/smtp-catcher';
import { idOf } from '@simple-shop/stripe-simulator';
import type { ConvergeResult } from './converge';
import type { Ledger, SeedProduct } from './ledger';
import type { SoakStack } from './stack';

export interface InvariantResult {
  name: string;
  description: string;
  ok: boolean;
  checked: number;
  failureCount: number;
  failures: string[];
}

export interface InvariantInput {
  stack: SoakStack;
  ledger: Ledger;
  products: SeedProduct[];
  forgedEventIds: string[];
  foreignEventIds: string[];
  convergence: ConvergeResult;
  /** 5xx answers within this many ms after a Redis outage ended are expected (reconnect). */
  outageGraceMs: number;
}

export interface Snapshot {
  products: ProductDoc[];
  orders: OrderDoc[];
  payments: PaymentDoc[];
  outbox: EmailOutboxDoc[];
  events: WebhookEventDoc[];
  failed: FailedWebhookDoc[];
  users: UserDoc[];
  reservations: ReservationDoc[];
  adjustments: InventoryAdjustmentDoc[];
  mails: CapturedMail[];
}

const HOLDING = new Set(['pending_payment', 'needs_review']);
const sumHolds = (p: ProductDoc) => Object.values(p.holds ?? {}).reduce((a, b) => a + b, 0);
/** A hold marker is keyed by its reservation id, `<orderId>-<productId>-<attempt>`. */
const orderOfHold = (key: string) => key.slice(0, 24);

class Check {
  readonly failures: string[] = [];
  failureCount = 0;
  checked = 0;
  constructor(
    readonly name: string,
    readonly description: string,
  ) {}
  count(n = 1): void {
    this.checked += n;
  }
  fail(message: string): void {
    this.failureCount += 1;
    if (this.failures.length < 25) this.failures.push(message);
  }
  result(): InvariantResult {
    return {
      name: this.name,
      description: this.description,
      ok: this.failureCount === 0,
      checked: this.checked,
      failureCount: this.failureCount,
      failures: this.failures,
    };
  }
}

export async function takeSnapshot(stack: SoakStack): Promise<Snapshot> {
  const c = stack.database.collections;
  const [products, orders, payments, outbox, events, failed, users, reservations, adjustments] = await Promise.all([
    c.products.find({}).toArray(),
    c.orders.find({}).toArray(),
    c.payments.find({}).toArray(),
    c.emailOutbox.find({}).toArray(),
    c.webhookEvents.find({}).toArray(),
    c.failedWebhooks.find({}).toArray(),
    c.users.find({}).toArray(),
    c.reservations.find({}).toArray(),
    c.inventoryAdjustments.find({}).toArray(),
  ]);
  return {
    products,
    orders,
    payments,
    outbox,
    events,
    failed,
    users,
    reservations,
    adjustments,
    mails: stack.smtp.messages(),
  };
}

export function checkInvariants(input: InvariantInput, snap: Snapshot): InvariantResult[] {
  const { ledger, stack } = input;
  const orderById = new Map(snap.orders.map((o) => [o._id.toHexString(), o]));
  const productById = new Map(snap.products.map((p) => [p._id.toHexString(), p]));
  const userById = new Map(snap.users.map((u) => [u._id.toHexString(), u]));
  const results: InvariantResult[] = [];

  // 1. stock accounting ---------------------------------------------------------------
  {
    const check = new Check(
      'stock-accounting',
      'for every product: initial stock = stock + Σ holds + Σ units of paid orders (refunded orders: returned or never consumed)',
    );
    const sold = new Map<string, number>();
    for (const o of snap.orders) {
      if (o.status !== 'paid') continue;
      for (const item of o.items) {
        const key = item.productId.toHexString();
        sold.set(key, (sold.get(key) ?? 0) + item.quantity);
      }
    }
    for (const seed of input.products) {
      check.count();
      const p = productById.get(seed.id);
      if (!p) {
        check.fail(`product ${seed.id} is gone`);
        continue;
      }
      const held = sumHolds(p);
      const paid = sold.get(seed.id) ?? 0;
      const total = p.stock + held + paid;
      if (total !== seed.initialStock) {
        check.fail(
          `${seed.name} (${seed.id}): initial ${seed.initialStock} ≠ stock ${p.stock} + held ${held} + paid ${paid} = ${total} (${total > seed.initialStock ? '+' : ''}${total - seed.initialStock})`,
        );
        const orders = unbalancedOrders(snap, p);
        for (const line of orders) check.fail(line);
        if (orders.length === 0) {
          check.fail(
            `${seed.name}: every order's records balance, so a product update was applied more (or fewer) times than its record says`,
          );
        }
      }
    }
    results.push(check.result());
  }

  // 2. no negative stock, sane holds --------------------------------------------------------
  {
    const check = new Check(
      'stock-non-negative',
      'no product has stock < 0; every hold is a positive integer; reserved = Σ holds',
    );
    for (const p of snap.products) {
      check.count();
      if (!(Number.isInteger(p.stock) && p.stock >= 0)) check.fail(`${p.name}: stock ${p.stock}`);
      if ((p.reserved ?? 0) !== sumHolds(p)) check.fail(`${p.name}: reserved ${p.reserved} ≠ Σ holds ${sumHolds(p)}`);
      for (const [o, q] of Object.entries(p.holds ?? {})) {
        if (!(Number.isInteger(q) && q > 0)) check.fail(`${p.name}: hold ${o} = ${q}`);
      }
    }
    results.push(check.result());
  }

  // 3. holds belong to holding orders ----------------------------------------------------------
  {
    const check = new Check(
      'holds-owned',
      'every hold belongs to an existing pending_payment/needs_review order and equals its line quantity (reconciliation frees the rest)',
    );
    for (const p of snap.products) {
      for (const [key, quantity] of Object.entries(p.holds ?? {})) {
        check.count();
        const orderHex = orderOfHold(key);
        const order = orderById.get(orderHex);
        if (!order) {
          check.fail(`${p.name}: hold of ${quantity} for order ${orderHex}, which does not exist`);
          continue;
        }
        if (!HOLDING.has(order.status)) {
          check.fail(`${p.name}: hold of ${quantity} for order ${orderHex}, which is ${order.status}`);
          continue;
        }
        const line = order.items.find((i) => i.productId.equals(p._id));
        if (!line || line.quantity !== quantity) {
          check.fail(
            `${p.name}: hold of ${quantity} for order ${orderHex}, whose line is ${line?.quantity ?? 'absent'}`,
          );
        }
      }
    }
    results.push(check.result());
  }

  // 4. pending orders hold their units -------------------------------------------------------
  {
    const check = new Check(
      'pending-orders-hold-stock',
      'every pending_payment order holds each of its lines on its product ("an order that exists always has its units")',
    );
    for (const o of snap.orders) {
      if (o.status !== 'pending_payment') continue;
      check.count();
      for (const item of o.items) {
        const p = productById.get(item.productId.toHexString());
        const held = Object.entries(p?.holds ?? {})
          .filter(([key]) => orderOfHold(key) === o._id.toHexString())
          .reduce<number | undefined>((sum, [, q]) => (sum ?? 0) + q, undefined);
        if (held !== item.quantity) {
          check.fail(
            `order ${o._id.toHexString()} (${ledger.orders.get(o._id.toHexString())?.scenario ?? '?'}): ${p?.name ?? item.productId.toHexString()} holds ${held ?? 'nothing'}, line is ${item.quantity}`,
          );
        }
      }
    }
    results.push(check.result());
  }

  // 4b. every order's history is a path through the state machine -------------------------------
  {
    const check = new Check(
      'order-history-valid',
      "every order's history starts at pending_payment and each move is one the state machine allows (a lost or overwritten update shows up here)",
    );
    for (const o of snap.orders) {
      check.count();
      const steps = o.history.map((h) => h.status); // $addToSet appends: array order is write order
      const id = o._id.toHexString();
      if (steps[0] !== 'pending_payment') check.fail(`order ${id}: history starts at ${steps[0] ?? 'nothing'}`);
      for (let i = 1; i < steps.length; i++) {
        const from = steps[i - 1]!;
        const to = steps[i]!;
        if (!isOrderStatus(from) || !isOrderStatus(to) || !canTransition(from, to)) {
          check.fail(
            `order ${id} (${ledger.orders.get(id)?.scenario ?? '?'}): ${steps.join(' → ')} (${from} → ${to} is not allowed)`,
          );
          break;
        }
      }
      if (steps[steps.length - 1] !== o.status)
        check.fail(`order ${id}: status ${o.status}, history ends at ${steps[steps.length - 1]}`);
    }
    results.push(check.result());
  }

  // 5. acknowledged orders exist ------------------------------------------------------------
  {
    const check = new Check(
      'acknowledged-orders-exist',
      'every order the API answered 201 for exists with the same total',
    );
    for (const o of ledger.orders.values()) {
      check.count();
      const doc = orderById.get(o.id);
      if (!doc) check.fail(`order ${o.id} (${o.scenario}) was acknowledged but is missing`);
      else if (doc.total !== o.total) check.fail(`order ${o.id}: total ${doc.total}, acknowledged ${o.total}`);
    }
    results.push(check.result());
  }

  // 6. payments ----------------------------------------------------------------------------
  {
    const check = new Check(
      'paid-one-succeeded-payment',
      'every paid order has exactly one succeeded payment (amount = total); no other order has a succeeded payment',
    );
    const succeeded = new Map<string, PaymentDoc[]>();
    for (const pay of snap.payments) {
      if (pay.status !== 'succeeded') continue;
      const key = pay.orderId.toHexString();
      succeeded.set(key, [...(succeeded.get(key) ?? []), pay]);
    }
    for (const o of snap.orders) {
      check.count();
      const id = o._id.toHexString();
      const own = succeeded.get(id) ?? [];
      if (o.status === 'paid') {
        if (own.length !== 1) check.fail(`paid order ${id}: ${own.length} succeeded payments`);
        else if (own[0]!.amount !== o.total)
          check.fail(`paid order ${id}: payment ${own[0]!.amount} ≠ total ${o.total}`);
      } else if (own.length > 0) {
        check.fail(`order ${id} is ${o.status} but has ${own.length} succeeded payment(s)`);
      }
    }
    results.push(check.result());
  }

  // 7. confirmation emails ------------------------------------------------------------------
  const byMessageId = new Map<string, CapturedMail[]>();
  for (const m of snap.mails) byMessageId.set(m.messageId, [...(byMessageId.get(m.messageId) ?? []), m]);
  const outboxById = new Map(snap.outbox.map((d) => [d._id, d]));
  /**
   * Emails are sent at most once (apps/worker/src/jobs/send-email.ts): an attempt claims the
   * outbox document before SMTP, and a claim whose worker was SIGKILLed mid-send is never sent
   * again — its outcome is unknown (0 or 1 message), and operators are alerted. Such a claim is
   * accepted here only if the chaos loop really killed the claiming process, and never with more
   * than one message delivered.
   */
  const killedPids = new Set(
    ledger.chaos.filter((c) => c.action === 'killWorker' && c.pid !== undefined).map((c) => String(c.pid)),
  );
  const abandonedByCrash = (doc: { status: string; claimedBy?: string } | undefined): boolean => {
    if (!doc || (doc.status !== 'sending' && doc.status !== 'unknown')) return false;
    const pid = doc.claimedBy ? /#(\d+)$/.exec(doc.claimedBy)?.[1] : undefined;
    return pid !== undefined && killedPids.has(pid);
  };
  {
    const check = new Check(
      'paid-one-confirmation-email',
      'every paid order: outbox order_confirmation:<id> is sent and the SMTP server received exactly one message with its Message-ID, to the customer (a send whose worker was SIGKILLed mid-send: at most one)',
    );
    for (const o of snap.orders) {
      if (o.status !== 'paid') continue;
      check.count();
      const outboxId = `order_confirmation:${o._id.toHexString()}`;
      const doc = outboxById.get(outboxId);
      const mails = byMessageId.get(`<${outboxId}@simple-shop>`) ?? [];
      const crashed = abandonedByCrash(doc as { status: string; claimedBy?: string } | undefined);
      if (!doc) check.fail(`paid order ${o._id.toHexString()}: no outbox document`);
      else if (doc.status !== 'sent' && !crashed)
        check.fail(`paid order ${o._id.toHexString()}: outbox ${doc.status} (${doc.lastError ?? ''})`);
      const email = userById.get(o.userId.toHexString())?.email;
      if (crashed ? mails.length > 1 : mails.length !== 1)
        check.fail(`paid order ${o._id.toHexString()}: ${mails.length} confirmation messages received`);
      else if (email && mails[0] && !mails[0].to.includes(email))
        check.fail(`paid order ${o._id.toHexString()}: mail went to ${mails[0]!.to.join(',')}`);
    }
    results.push(check.result());
  }
  {
    const check = new Check(
      'no-duplicate-emails',
      'no Message-ID was received twice (any kind); no confirmation for an order that was never paid',
    );
    for (const [messageId, mails] of byMessageId) {
      check.count();
      if (mails.length > 1)
        check.fail(
          `${messageId} received ${mails.length} times (at ${mails.map((m) => m.receivedAt.toISOString()).join(', ')})`,
        );
    }
    for (const doc of snap.outbox) {
      if (doc.kind !== 'order_confirmation') continue;
      const order = orderById.get(doc.subjectId ?? '');
      if (order && !order.history.some((h) => h.status === 'paid') && order.status !== 'paid') {
        check.fail(`confirmation ${doc._id} for order that was never paid (${order.status})`);
      }
    }
    results.push(check.result());
  }

  {
    const check = new Check(
      'emails-settled',
      'every email the product recorded in the outbox was sent: none is still pending, failed, or sending/unknown unless its claiming worker was SIGKILLed mid-send (at most once: ≤ 1 message)',
    );
    for (const doc of snap.outbox) {
      check.count();
      if (doc.status === 'sent') continue;
      const messages = byMessageId.get(`<${doc._id}@simple-shop>`)?.length ?? 0;
      if (abandonedByCrash(doc as { status: string; claimedBy?: string }) && messages <= 1) continue;
      const claim = doc as { claimedBy?: string; claimedAt?: Date };
      const claimedPid = claim.claimedBy ? /#(\d+)$/.exec(claim.claimedBy)?.[1] : undefined;
      check.fail(
        `outbox ${doc._id} is ${doc.status}${doc.lastError ? ` (${doc.lastError})` : ''}` +
          `${claimedPid && claim.claimedAt ? `, claimed by pid ${claimedPid} at ${claim.claimedAt.toISOString()}` : ''}` +
          `; the SMTP server received ${messages} message(s) with its Message-ID`,
      );
    }
    results.push(check.result());
  }

  // 8. events -----------------------------------------------------------------------------
  {
    const check = new Check(
      'events-settled',
      'every recorded webhook event is processed or ignored, or failed with an unresolved failed-webhooks entry',
    );
    const dead = new Set(snap.failed.filter((f) => !f.resolvedAt).map((f) => f.eventId));
    for (const e of snap.events) {
      check.count();
      if (e.status === 'processed' || e.status === 'ignored') continue;
      if (e.status === 'failed' && dead.has(e._id)) continue;
      check.fail(
        `event ${e._id} (${e.type}) is ${e.status}; received ${e.receivedAt.toISOString()}${e.queuedAt ? `, queued ${e.queuedAt.toISOString()}` : ''}, attempts ${e.attempts}${e.lastError ? `, last error ${e.lastError}` : ''}`,
      );
    }
    results.push(check.result());
  }
  {
    const check = new Check(
      'stripe-events-recorded',
      'every event the Stripe simulator emitted and every signed foreign event is recorded; foreign types end ignored; forged ones are never recorded',
    );
    const recorded = new Map(snap.events.map((e) => [e._id, e]));
    for (const e of stack.sim.events()) {
      check.count();
      if (!recorded.has(e.id)) check.fail(`Stripe event ${e.id} (${e.type}) was never recorded`);
    }
    for (const id of input.foreignEventIds) {
      check.count();
      const e = recorded.get(id);
      if (!e) check.fail(`foreign event ${id} not recorded`);
      else if (e.status !== 'ignored') check.fail(`foreign event ${id} is ${e.status}, expected ignored`);
    }
    for (const id of input.forgedEventIds) {
      check.count();
      if (recorded.has(id)) check.fail(`forged event ${id} was recorded`);
    }
    results.push(check.result());
  }

  // 9. money vs goods -----------------------------------------------------------------------
  {
    const check = new Check(
      'refunds-consistent',
      'no order is both refunded and fulfilled: an order with a Stripe refund is `refunded`; a refunded order was refunded in full exactly once, has no succeeded payment and holds nothing',
    );
    const sessions = new Map(stack.sim.sessions().map((s) => [s.id, s]));
    const refundsByPi = new Map<string, { amount: number; id: string }[]>();
    for (const r of stack.sim.refunds()) {
      const pi = idOf(r.payment_intent);
      if (pi) refundsByPi.set(pi, [...(refundsByPi.get(pi) ?? []), r]);
    }
    const heldBy = new Set<string>();
    for (const p of snap.products) for (const key of Object.keys(p.holds ?? {})) heldBy.add(orderOfHold(key));
    for (const o of snap.orders) {
      const id = o._id.toHexString();
      const session = o.checkoutSessionId ? sessions.get(o.checkoutSessionId) : undefined;
      const pi = session ? idOf(session.payment_intent) : null;
      const refunds = pi ? (refundsByPi.get(pi) ?? []) : [];
      if (o.status !== 'refunded' && refunds.length === 0) continue;
      check.count();
      if (o.status !== 'refunded') {
        check.fail(`order ${id} is ${o.status} but Stripe refunded ${refunds.map((r) => r.amount).join('+')}`);
        continue;
      }
      if (refunds.length !== 1) check.fail(`refunded order ${id}: ${refunds.length} Stripe refunds`);
      else if (refunds[0]!.amount !== o.total)
        check.fail(`refunded order ${id}: refund ${refunds[0]!.amount} ≠ total ${o.total}`);
      if (snap.payments.some((p) => p.orderId.equals(o._id) && p.status === 'succeeded')) {
        check.fail(`refunded order ${id} still has a succeeded payment`);
      }
      if (heldBy.has(id)) check.fail(`refunded order ${id} still holds stock`);
    }
    results.push(check.result());
  }
  {
    const check = new Check(
      'money-matches-goods',
      'an order is paid if and only if Stripe captured its payment and did not refund it',
    );
    const sessionsByOrder = new Map<string, ReturnType<typeof stack.sim.sessions>>();
    for (const s of stack.sim.sessions()) {
      const orderId = s.metadata?.orderId;
      if (orderId) sessionsByOrder.set(orderId, [...(sessionsByOrder.get(orderId) ?? []), s]);
    }
    const refunded = new Set(stack.sim.refunds().map((r) => r.payment_intent));
    for (const o of snap.orders) {
      const id = o._id.toHexString();
      const sessions = sessionsByOrder.get(id) ?? [];
      check.count();
      if (sessions.length > 1) check.fail(`order ${id} has ${sessions.length} Checkout Sessions`);
      const kept = sessions.filter(
        (s) => s.payment_status === 'paid' && !(s.payment_intent && refunded.has(s.payment_intent)),
      );
      if (o.status === 'paid' && kept.length !== 1)
        check.fail(`order ${id} is paid but Stripe holds ${kept.length} captured payments`);
      if (o.status !== 'paid' && kept.length > 0 && o.status !== 'needs_review') {
        check.fail(
          `order ${id} is ${o.status} (${ledger.orders.get(id)?.scenario ?? '?'}) but Stripe captured its payment and kept it`,
        );
      }
    }
    results.push(check.result());
  }

  // 10. API answers ---------------------------------------------------------------------------
  {
    const check = new Check(
      'api-no-5xx',
      `no 5xx or dropped connection from the API, except within a Redis outage (+${input.outageGraceMs} ms to reconnect)`,
    );
    const outages = ledger.chaos
      .filter((c) => c.action === 'restartRedis')
      .map((c) => [c.at, (c.until ?? Date.now()) + input.outageGraceMs] as const);
    check.count(ledger.totalRequests());
    for (const a of ledger.anomalies) {
      if (a.status !== 0 && a.status < 500 && a.status !== -1) continue;
      if (a.status !== -1 && outages.some(([from, to]) => a.at >= from && a.at <= to)) continue;
      check.fail(`${new Date(a.at).toISOString()} ${a.op}: ${a.detail}`);
    }
    results.push(check.result());
  }

  // 11. convergence ------------------------------------------------------------------------------
  {
    const check = new Check(
      'converged',
      'after chaos stopped, the system came to rest (no delivery pending, no event unsettled, queues empty, no email pending, no stale hold, no paid session with an unpaid order) within the bound',
    );
    check.count();
    if (!input.convergence.converged)
      check.fail(`not at rest after ${input.convergence.ms} ms: ${JSON.stringify(input.convergence.last)}`);
    results.push(check.result());
  }
  return results;
}

/**
 * Which orders a stock-accounting failure comes from. Each order's share of
 * (stock + held + paid − initial) is: its units if it is `paid`, minus the units of its consumed
 * reservations, plus its applied restocks (a reservation taken and released nets to zero). A
 * non-zero share names the order, with its reservations and restocks, for the evidence.
 */
function unbalancedOrders(snap: Snapshot, product: ProductDoc): string[] {
  const productHex = product._id.toHexString();
  const lines: string[] = [];
  for (const order of snap.orders) {
    const line = order.items.find((i) => i.productId.equals(product._id));
    if (!line) continue;
    const orderHex = order._id.toHexString();
    const reservations = snap.reservations.filter((r) => r.orderId.equals(order._id) && r.productId.equals(product._id));
    const restocks = snap.adjustments.filter(
      (a) => a.orderId?.equals(order._id) && a.productId.equals(product._id) && a.kind === 'restock',
    );
    const consumed = reservations.filter((r) => r.status === 'consumed').reduce((n, r) => n + r.quantity, 0);
    const restocked = restocks.filter((a) => a.status === 'applied').reduce((n, a) => n + a.delta, 0);
    const share = (order.status === 'paid' ? line.quantity : 0) - consumed + restocked;
    if (share === 0) continue;
    const timeline = (order.timeline ?? []).map((t) => `${t.from}→${t.to} by ${t.by}${t.note ? ` (${t.note})` : ''}`);
    lines.push(
      `order ${orderHex} (${order.status}, ${line.quantity} × ${productHex}) contributes ${share > 0 ? '+' : ''}${share}: ` +
        `reservations [${reservations.map((r) => `${r._id.slice(50)} ${r.status}${r.settled ? '' : ' unsettled'}`).join(', ')}], ` +
        `restocks [${restocks.map((a) => `${a.status} ${a.delta}`).join(', ')}], ` +
        `refunds [${(order.refunds ?? []).map((r) => `${r.refundId} ${r.amount} by ${r.by}`).join(', ')}], ` +
        `timeline [${timeline.join('; ')}]`,
    );
  }
  return lines;
}
