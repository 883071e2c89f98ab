/**
 * One soak run: start the stack on a fresh database and Redis prefix, seed a catalog and
 * customers, run mixed traffic and the chaos loop for `durationMs`, stop chaos, wait until the
 * system is at rest (bounded), check the invariants. Used by `pnpm soak` (soak/run.ts) and by
 * the short CI version (soak/soak.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { ObjectId, type ProductDoc, type UserDoc } from '@simple-shop/db';
import { startChaos } from './chaos';
import { converge, type ConvergeResult } from './converge';
import { checkInvariants, takeSnapshot, type InvariantResult } from './invariants';
import { Ledger, type SeedProduct, type SoakUser } from './ledger';
import { createRng } from './rng';
import { startSoakStack, type SoakStack } from './stack';
import { runTraffic, type TrafficContext } from './traffic';
import type { TxProxyStats } from './mongo-tx-proxy';
import { measureStandInOverlap, type OverlapCase } from './standin-overlap';

export interface SoakOptions {
  mongoUri: string;
  mongoKind: string;
  mongoIsStandIn: boolean;
  /** Serialise transactions against all other commands through soak/mongo-tx-proxy. */
  isolateTransactions: boolean;
  durationMs: number;
  seed: number;
  virtualUsers: number;
  workers: number;
  maxOrders: number;
  /** Traffic goes on past the duration (up to 4×) until this many orders exist. */
  minOrders?: number;
  chaosIntervalMs: [number, number];
  /** Convergence fails after this long without progress (remaining work not at a new low)... */
  convergeStallMs: number;
  /** ...or after this long in any case. */
  convergeTimeoutMs: number;
  log: (line: string) => void;
}

export interface SoakResult {
  options: Omit<SoakOptions, 'log'>;
  startedAt: string;
  trafficMs: number;
  convergence: ConvergeResult;
  totalMs: number;
  ledger: Ledger;
  chaosCounts: Record<string, number>;
  invariants: InvariantResult[];
  ok: boolean;
  orderStatuses: Record<string, number>;
  eventStatuses: Record<string, number>;
  eventTypes: Record<string, number>;
  deadLetters: { eventId: string; type: string; error: string }[];
  emails: { received: number; byKind: Record<string, number> };
  stripe: {
    sessions: number;
    paid: number;
    refunds: number;
    events: number;
    deliveries: number;
    failedDeliveries: number;
  };
  proxy: TxProxyStats | null;
  /** On the stand-in: the isolated reproduction of its missing isolation (soak/standin-overlap.ts). */
  standInOverlap: OverlapCase[] | null;
  processTails: Record<string, string>;
  /** Process log lines about the subjects of failed invariants (emails, orders, events). */
  evidence: Record<string, string[]>;
}

/**
 * For each failure naming an outbox id, order or event, the process log lines about it; for a
 * duplicate email, whether the worker that sent the first copy was SIGKILLed right after.
 */
function collectEvidence(stack: SoakStack, invariants: InvariantResult[], ledger: Ledger): Record<string, string[]> {
  const evidence: Record<string, string[]> = {};
  const failures = invariants.flatMap((inv) => inv.failures.slice(0, 6));
  // Email failures first, so their order ids are not shown a second time.
  const emailFirst = (f: string) => Number(f.includes('@simple-shop>') || f.startsWith('outbox '));
  failures.sort((a, b) => emailFirst(b) - emailFirst(a));
  for (const failure of failures) {
    const subject =
      /<([a-z_]+:[0-9a-f]{24})@simple-shop>/.exec(failure)?.[1] ??
      /^outbox ([a-z_]+:[0-9a-f]{24}) /.exec(failure)?.[1] ??
      /\b(evt_[A-Za-z0-9_]+)/.exec(failure)?.[1] ??
      /order ([0-9a-f]{24})/.exec(failure)?.[1];
    // A duplicate email is shown under its outbox id only (not again under its order id).
    const outboxOfOrder = Object.keys(evidence).some((k) => k.endsWith(`:${subject}`));
    if (!subject || evidence[subject] || outboxOfOrder) continue;
    const lines = stack.grep(subject.includes(':') ? subject.split(':')[1]! : subject, 16);
    const claim = /claimed by pid (\d+) at (\S+);/.exec(failure);
    if (claim) {
      const claimedAt = Date.parse(claim[2]!);
      const kill = ledger.chaos.find((c) => c.action === 'killWorker' && String(c.pid) === claim[1]);
      if (kill) {
        lines.push(
          `→ the claiming worker (pid ${claim[1]}) was SIGKILLed ${kill.at - claimedAt} ms after it claimed the email; nothing settles the claim afterwards`,
        );
      }
    }
    if (/received [2-9]\d* times/.test(failure)) {
      const firstSend = lines.find((l) => l.includes('email sent') && l.includes(subject));
      const match = firstSend ? /^(\d\d:\d\d:\d\d\.\d{3}) (worker-\d+) /.exec(firstSend) : null;
      if (match) {
        const sentAt = Date.parse(`${new Date(ledger.startedAt).toISOString().slice(0, 10)}T${match[1]}Z`);
        const kill = ledger.chaos.find(
          (c) => c.action === 'killWorker' && c.detail.startsWith(`SIGKILL ${match[2]} `) && c.at >= sentAt,
        );
        if (kill && kill.at - sentAt < 10_000) {
          lines.push(
            `→ ${match[2]} was SIGKILLed ${kill.at - sentAt} ms after it sent the first copy, before recording it as sent: the retry sent it again (at-least-once window)`,
          );
        }
      }
    }
    evidence[subject] = lines;
  }
  return evidence;
}

const CATALOG: { name: string; category: string; price: number; stock: number }[] = [
  { name: 'Soak Walnut Desk', category: 'furniture', price: 24900, stock: 400 },
  { name: 'Soak Oak Shelf', category: 'furniture', price: 8900, stock: 400 },
  { name: 'Soak Linen Pillow', category: 'home', price: 2500, stock: 400 },
  { name: 'Soak Copper Kettle', category: 'kitchen', price: 5900, stock: 400 },
  { name: 'Soak Steel Pan', category: 'kitchen', price: 3900, stock: 400 },
  { name: 'Soak Wool Blanket', category: 'home', price: 7900, stock: 400 },
  { name: 'Soak Glass Vase', category: 'home', price: 1900, stock: 400 },
  { name: 'Soak Cotton Towel', category: 'bath', price: 1200, stock: 400 },
  { name: 'Soak Bamboo Mat', category: 'bath', price: 2200, stock: 400 },
  { name: 'Soak Ceramic Mug', category: 'kitchen', price: 1500, stock: 400 },
  { name: 'Soak Leather Chair', category: 'furniture', price: 39900, stock: 40 },
  { name: 'Soak Brass Lamp', category: 'lighting', price: 12900, stock: 40 },
  { name: 'Soak Paper Lantern', category: 'lighting', price: 2900, stock: 40 },
  { name: 'Soak Marble Board', category: 'kitchen', price: 4900, stock: 40 },
  { name: 'Soak Silk Rug', category: 'home', price: 99900, stock: 4 },
  { name: 'Soak Teak Bench', category: 'furniture', price: 45900, stock: 3 },
];

const count = <T>(items: T[], key: (t: T) => string) =>
  items.reduce<Record<string, number>>((acc, t) => {
    acc[key(t)] = (acc[key(t)] ?? 0) + 1;
    return acc;
  }, {});

async function seed(stack: SoakStack, customers: number) {
  const now = new Date();
  const productDocs: ProductDoc[] = CATALOG.map((c) => ({
    _id: new ObjectId(),
    name: c.name,
    description: 'seeded by the soak',
    category: c.category,
    price: c.price,
    currency: 'usd',
    stock: c.stock,
    active: true,
    images: [],
    attributes: {},
    searchTerms: [...c.name.toLowerCase().split(/\s+/), c.category],
    createdAt: now,
    updatedAt: now,
  }));
  await stack.database.collections.products.insertMany(productDocs);
  const users: UserDoc[] = Array.from({ length: customers + 1 }, (_, i) => {
    const id = new ObjectId();
    return {
      _id: id,
      email: i === 0 ? `soak-admin-${id.toHexString()}@example.test` : `soak-${i}-${id.toHexString()}@example.test`,
      name: i === 0 ? 'Soak Admin' : `Soak Shopper ${i}`,
      role: i === 0 ? 'admin' : 'customer',
      passwordHash: '$argon2id$unused-by-the-soak',
      createdAt: now,
      updatedAt: now,
    };
  });
  await stack.database.collections.users.insertMany(users);
  const toUser = (u: UserDoc): SoakUser => ({
    id: u._id.toHexString(),
    email: u.email,
    token: stack.bearer({ id: u._id.toHexString(), role: u.role }),
  });
  const products: SeedProduct[] = productDocs.map((p) => ({
    id: p._id.toHexString(),
    name: p.name,
    category: p.category,
    price: p.price,
    initialStock: p.stock,
  }));
  return { products, admin: toUser(users[0]!), customers: users.slice(1).map(toUser) };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { log } = options;
  const started = Date.now();
  const tag = randomBytes(5).toString('hex');
  log(
    `soak: ${options.durationMs / 1000} s, seed ${options.seed}, ${options.virtualUsers} shoppers, ${options.workers} workers, MongoDB ${options.mongoKind}` +
      `${options.mongoIsStandIn ? ' (stand-in)' : ''}, transactions ${options.isolateTransactions ? 'isolated by soak/mongo-tx-proxy' : 'direct'}`,
  );
  const stack = await startSoakStack({
    mongoUri: options.mongoUri,
    isolateTransactions: options.isolateTransactions,
    workers: options.workers,
    dbName: `soak_${tag}`,
    keyPrefix: `soak_${tag}`,
    env: { FAULT_PROCESSING_DELAY_MS: '100' },
    workerLogLevel: 'info',
    log,
  });
  try {
    const rng = createRng(options.seed);
    const ledger = new Ledger();
    const seeded = await seed(stack, 48);
    log(
      `soak: stack up in ${Date.now() - started} ms (api ${stack.apiUrl}, redis :${stack.redis.port}); traffic and chaos start`,
    );
    const ctx: TrafficContext = { stack, ledger, ...seeded, forgedEventIds: [], foreignEventIds: [] };

    const trafficStart = Date.now();
    const chaos = startChaos(stack, ledger, rng.fork(1_000_003), {
      intervalMs: options.chaosIntervalMs,
      workers: options.workers,
    });
    const progress = setInterval(() => {
      log(
        `soak: ${Math.round((Date.now() - trafficStart) / 1000)} s — ${ledger.totalRequests()} requests, ${ledger.orders.size} orders, ` +
          `chaos ${JSON.stringify(chaos.counts)}, anomalies ${ledger.anomalyCount}`,
      );
    }, 15_000);
    try {
      await runTraffic(ctx, rng.fork(7), {
        virtualUsers: options.virtualUsers,
        until: trafficStart + options.durationMs,
        maxOrders: options.maxOrders,
        ...(options.minOrders
          ? { minOrders: options.minOrders, hardUntil: trafficStart + 4 * options.durationMs }
          : {}),
        thinkMs: [20, 250],
      });
    } finally {
      clearInterval(progress);
      await chaos.stop();
    }
    const trafficMs = Date.now() - trafficStart;
    log(
      `soak: traffic and chaos stopped after ${trafficMs} ms; converging (fails after ${options.convergeStallMs / 1000} s without progress, or ${options.convergeTimeoutMs / 1000} s in all)`,
    );
    const convergence = await converge(
      stack,
      { stallMs: options.convergeStallMs, capMs: options.convergeTimeoutMs },
      log,
    );
    log(`soak: ${convergence.converged ? 'at rest' : 'NOT at rest'} after ${convergence.ms} ms; checking invariants`);

    const snap = await takeSnapshot(stack);
    const invariants = checkInvariants(
      {
        stack,
        ledger,
        products: seeded.products,
        forgedEventIds: ctx.forgedEventIds,
        foreignEventIds: ctx.foreignEventIds,
        convergence,
        outageGraceMs: 8000,
      },
      snap,
    );
    const deliveries = stack.sim.deliveries();
    const { log: _log, ...plainOptions } = options;
    const result: SoakResult = {
      options: plainOptions,
      startedAt: new Date(started).toISOString(),
      trafficMs,
      convergence,
      totalMs: Date.now() - started,
      ledger,
      chaosCounts: chaos.counts,
      invariants,
      ok: invariants.every((i) => i.ok),
      orderStatuses: count(snap.orders, (o) => o.status),
      eventStatuses: count(snap.events, (e) => e.status),
      eventTypes: count(snap.events, (e) => e.type),
      deadLetters: snap.failed.map((f) => ({ eventId: f.eventId, type: f.type, error: f.error })),
      emails: {
        received: snap.mails.length,
        byKind: count(
          snap.outbox.filter((d) => d.status === 'sent'),
          (d) => d.kind,
        ),
      },
      stripe: {
        sessions: stack.sim.sessions().length,
        paid: stack.sim.sessions().filter((s) => s.payment_status === 'paid').length,
        refunds: stack.sim.refunds().length,
        events: stack.sim.events().length,
        deliveries: deliveries.length,
        failedDeliveries: deliveries.filter((d) => !d.ok).length,
      },
      proxy: stack.proxy?.stats() ?? null,
      standInOverlap: options.mongoIsStandIn ? await measureStandInOverlap(options.mongoUri).catch(() => null) : null,
      processTails: {},
      evidence: {},
    };
    if (!result.ok) result.processTails = stack.outputTails(25);
    result.evidence = collectEvidence(stack, invariants, ledger);
    return result;
  } finally {
    await stack.stop();
  }
}
