/**
 * Mixed storefront traffic: virtual shoppers loop over weighted scenarios (browse, carts, orders
 * with checkout sessions, card and async payments, declines, cancels before and after payment,
 * session expiries, abandoned and lapsed orders, races between cancel and pay, idempotent
 * retries, foreign and forged webhooks). Every answer is checked against the statuses the
 * contract allows; anything else (any 5xx) is an anomaly in the ledger.
 */
import { signPayload } from '@simple-shop/stripe-simulator';
import { ObjectId } from '@simple-shop/db';
import type { Ledger, LedgerOrder, SeedProduct, SoakUser } from './ledger';
import type { Rng } from './rng';
import { SOAK_WEBHOOK_SECRET, type SoakStack } from './stack';

export const SCENARIO_WEIGHTS = {
  browse: 20,
  cart: 8,
  pay: 20,
  declineThenPay: 6,
  asyncPay: 6,
  cancelUnpaid: 6,
  payThenCancel: 6,
  expireSession: 5,
  abandon: 3,
  lapse: 4,
  raceCancelPay: 4,
  idempotentRetry: 3,
  foreignWebhook: 2,
  forgedWebhook: 2,
  account: 1,
  admin: 2,
} as const;
export type ScenarioName = keyof typeof SCENARIO_WEIGHTS;

export interface TrafficOptions {
  virtualUsers: number;
  /** Stop starting scenarios after this time (epoch ms). */
  until: number;
  /** Stop starting scenarios after this many orders were created. */
  maxOrders: number;
  /**
   * Go on past `until` until this many orders exist (a loaded machine makes fewer per second, and
   * the run must still exercise what it claims to), but never past `hardUntil`.
   */
  minOrders?: number;
  hardUntil?: number;
  thinkMs: [number, number];
}

export interface TrafficContext {
  stack: SoakStack;
  ledger: Ledger;
  products: SeedProduct[];
  customers: SoakUser[];
  admin: SoakUser;
  /** Event ids of forged webhooks (must never be recorded). */
  forgedEventIds: string[];
  /** Event ids of signed events of a type the shop does not handle (must end `ignored`). */
  foreignEventIds: string[];
}

interface HttpResult<T> {
  status: number;
  body: T;
}

type Json = Record<string, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Shopper {
  constructor(
    private readonly ctx: TrafficContext,
    private readonly rng: Rng,
    private readonly user: SoakUser,
  ) {}

  async http<T = Json>(
    op: string,
    method: string,
    path: string,
    options: { body?: unknown; expect: number[]; token?: string | null; headers?: Record<string, string> },
  ): Promise<HttpResult<T>> {
    const token = options.token === undefined ? this.user.token : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const started = Date.now();
    let status = 0;
    let body: unknown = {};
    try {
      const res = await fetch(`${this.ctx.stack.apiUrl}${path}`, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(20_000),
      });
      status = res.status;
      const text = await res.text();
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = { raw: text.slice(0, 200) };
      }
    } catch (error) {
      body = { networkError: (error as Error).message };
    }
    this.ctx.ledger.op(op, status, Date.now() - started);
    if (!options.expect.includes(status)) {
      this.ctx.ledger.anomaly(op, status, `${method} ${path} → ${status} ${JSON.stringify(body)}`);
    }
    return { status, body: body as T };
  }

  /** A simulator action (the shopper on the hosted page, or Stripe by itself). */
  async sim(op: string, action: () => Promise<void>): Promise<boolean> {
    const started = Date.now();
    try {
      await action();
      this.ctx.ledger.op(op, 200, Date.now() - started);
      return true;
    } catch {
      // The session is no longer open (a race we provoke on purpose): Stripe refuses.
      this.ctx.ledger.op(op, 400, Date.now() - started);
      return false;
    }
  }

  private lines(): { productId: string; quantity: number }[] {
    const count = this.rng.weighted({ 1: 6, 2: 3, 3: 1 });
    const chosen = new Map<string, number>();
    for (let i = 0; i < Number(count); i++) {
      const tier = this.rng.weighted({ plenty: 70, some: 22, scarce: 8 });
      const pool = this.ctx.products.filter((p) =>
        tier === 'plenty'
          ? p.initialStock >= 200
          : tier === 'some'
            ? p.initialStock >= 20 && p.initialStock < 200
            : p.initialStock < 20,
      );
      const product = this.rng.pick(pool.length ? pool : this.ctx.products);
      chosen.set(product.id, this.rng.int(1, 3));
    }
    return [...chosen].map(([productId, quantity]) => ({ productId, quantity }));
  }

  async placeOrder(scenario: string, extraHeaders: Record<string, string> = {}): Promise<LedgerOrder | null> {
    const res = await this.http<{ id: string; total: number }>('order.create', 'POST', '/api/orders', {
      body: { items: this.lines() },
      expect: [201, 409],
      headers: extraHeaders,
    });
    if (res.status !== 201) return null;
    return this.remember(res.body.id, res.body.total, scenario);
  }

  remember(id: string, total: number, scenario: string): LedgerOrder {
    const existing = this.ctx.ledger.orders.get(id);
    if (existing) return existing;
    const order: LedgerOrder = { id, userId: this.user.id, scenario, total, createdAt: Date.now() };
    this.ctx.ledger.orders.set(id, order);
    return order;
  }

  async openSession(order: LedgerOrder, headers: Record<string, string> = {}): Promise<string | null> {
    const res = await this.http<{ sessionId: string }>('payment.create-intent', 'POST', '/api/payments/create-intent', {
      body: { orderId: order.id },
      expect: [201, 409],
      headers,
    });
    if (res.status !== 201) return null;
    order.sessionId = res.body.sessionId;
    return res.body.sessionId;
  }

  async cancel(order: LedgerOrder): Promise<HttpResult<{ status?: string }>> {
    return this.http('order.cancel', 'POST', `/api/orders/${order.id}/cancel`, { expect: [200, 409] });
  }

  async waitForStatus(order: LedgerOrder, statuses: string[], timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.http<{ status: string }>('order.get', 'GET', `/api/orders/${order.id}`, { expect: [200] });
      if (res.status === 200 && statuses.includes(res.body.status)) return res.body.status;
      if (Date.now() > deadline) return null;
      await sleep(250);
    }
  }

  async verify(sessionId: string): Promise<void> {
    await this.http('payment.verify-session', 'GET', `/api/payments/verify-session?session_id=${sessionId}`, {
      expect: [200],
    });
  }

  // ------------------------------------------------------------------ scenarios

  async browse(): Promise<void> {
    const p = this.rng.pick(this.ctx.products);
    const pick = this.rng.weighted({ list: 4, filter: 2, search: 2, one: 3, missing: 1 });
    if (pick === 'list') {
      const first = await this.http<{ nextCursor: string | null }>(
        'product.list',
        'GET',
        `/api/products?limit=${this.rng.int(1, 20)}`,
        {
          token: null,
          expect: [200],
        },
      );
      if (first.body.nextCursor) {
        await this.http(
          'product.list',
          'GET',
          `/api/products?limit=5&cursor=${encodeURIComponent(first.body.nextCursor)}`,
          {
            token: null,
            expect: [200],
          },
        );
      }
    } else if (pick === 'filter') {
      await this.http(
        'product.list',
        'GET',
        `/api/products?category=${p.category}&minPrice=100&maxPrice=100000&inStock=true`,
        {
          token: null,
          expect: [200],
        },
      );
    } else if (pick === 'search') {
      await this.http(
        'product.search',
        'GET',
        `/api/products/search?q=${encodeURIComponent(p.name.split(' ')[1] ?? p.name)}`,
        {
          token: null,
          expect: [200],
        },
      );
    } else if (pick === 'one') {
      await this.http('product.get', 'GET', `/api/products/${p.id}`, { token: null, expect: [200] });
    } else {
      await this.http('product.get', 'GET', `/api/products/${new ObjectId().toHexString()}`, {
        token: null,
        expect: [404],
      });
    }
  }

  async cart(): Promise<void> {
    const lines = this.lines();
    for (const line of lines) {
      await this.http('cart.add', 'POST', '/api/cart/add', { body: line, expect: [200, 409] });
    }
    if (this.rng.chance(0.4)) {
      await this.http('cart.update', 'POST', '/api/cart/update', {
        body: { productId: lines[0]!.productId, quantity: this.rng.int(1, 3) },
        expect: [200, 404, 409],
      });
    }
    if (this.rng.chance(0.2)) {
      await this.http('cart.remove', 'POST', '/api/cart/remove', {
        body: { productId: lines[0]!.productId },
        expect: [200],
      });
    }
    await this.http('cart.view', 'GET', '/api/cart', { expect: [200] });
    if (this.rng.chance(0.5)) {
      // The contract: POST /api/orders without items orders the cart. Some shoppers send `{}`,
      // some send no body at all (what a fetch wrapper does for a body-less POST).
      const noBody = this.rng.chance(0.3);
      const op = noBody ? 'order.create-from-cart-no-body' : 'order.create-from-cart';
      const res = await this.http<{ id: string; total: number; error?: { code: string } }>(op, 'POST', '/api/orders', {
        ...(noBody ? {} : { body: {} }),
        expect: [201, 400, 409],
      });
      if (res.status === 400 && res.body.error?.code !== 'CART_EMPTY') {
        this.ctx.ledger.anomaly(
          op,
          400,
          `POST /api/orders (cart, ${noBody ? 'no body' : '{}'}) → 400 ${JSON.stringify(res.body)}`,
        );
      }
      if (res.status === 201) {
        const order = this.remember(res.body.id, res.body.total, 'cart');
        const session = await this.openSession(order);
        if (session && this.rng.chance(0.7)) await this.sim('sim.pay', () => this.ctx.stack.sim.pay(session));
      }
    } else if (this.rng.chance(0.3)) {
      await this.http('cart.clear', 'POST', '/api/cart/clear', { expect: [200] });
    }
  }

  async pay(): Promise<void> {
    const order = await this.placeOrder('pay');
    if (!order) return;
    const session = await this.openSession(order);
    if (!session) return;
    await this.sim('sim.pay', () => this.ctx.stack.sim.pay(session));
    if (this.rng.chance(0.4)) {
      await sleep(this.rng.int(100, 800));
      await this.verify(session);
    }
  }

  async declineThenPay(): Promise<void> {
    const order = await this.placeOrder('declineThenPay');
    if (!order) return;
    const session = await this.openSession(order);
    if (!session) return;
    await this.sim('sim.decline', () => this.ctx.stack.sim.decline(session));
    // The failed payment releases the hold; a later success must take the stock again or refund.
    await sleep(this.rng.int(0, 1500));
    if (this.rng.chance(0.7)) await this.sim('sim.pay', () => this.ctx.stack.sim.pay(session));
  }

  async asyncPay(): Promise<void> {
    const order = await this.placeOrder('asyncPay');
    if (!order) return;
    const session = await this.openSession(order);
    if (!session) return;
    if (!(await this.sim('sim.pay-async', () => this.ctx.stack.sim.pay(session, { async: true })))) return;
    await sleep(this.rng.int(200, 2000));
    if (this.rng.chance(0.2)) await this.cancel(order); // a pending bank transfer cannot be cancelled: 409
    const outcome = this.rng.chance(0.7) ? 'succeeded' : 'failed';
    await this.sim(`sim.async-${outcome}`, () => this.ctx.stack.sim.completeAsyncPayment(session, outcome));
  }

  async cancelUnpaid(): Promise<void> {
    const order = await this.placeOrder('cancelUnpaid');
    if (!order) return;
    if (this.rng.chance(0.6)) await this.openSession(order);
    await sleep(this.rng.int(0, 300));
    await this.cancel(order);
    if (this.rng.chance(0.2)) await this.cancel(order); // idempotent
  }

  async payThenCancel(): Promise<void> {
    const order = await this.placeOrder('payThenCancel');
    if (!order) return;
    const session = await this.openSession(order);
    if (!session) return;
    if (!(await this.sim('sim.pay', () => this.ctx.stack.sim.pay(session)))) return;
    const status = await this.waitForStatus(order, ['paid', 'refunded'], 30_000);
    if (status === 'paid') {
      const res = await this.cancel(order); // refund through Stripe, restock
      if (res.status === 200 && res.body.status !== 'refunded') {
        this.ctx.ledger.anomaly(
          'order.cancel',
          res.status,
          `paid order ${order.id} cancel answered ${res.body.status}`,
        );
      }
    } else if (status === null) {
      this.ctx.ledger.notes.push(`payThenCancel: order ${order.id} not paid within 30 s; cancel skipped`);
    }
  }

  async expireSession(): Promise<void> {
    const order = await this.placeOrder('expireSession');
    if (!order) return;
    const session = await this.openSession(order);
    if (!session) return;
    await sleep(this.rng.int(0, 500));
    await this.sim('sim.expire', () => this.ctx.stack.sim.expireSession(session));
  }

  async abandon(): Promise<void> {
    const order = await this.placeOrder('abandon');
    if (order && this.rng.chance(0.5)) await this.openSession(order);
  }

  /** The order's time runs out (clock moved forward in the database); reconciliation expires it. */
  async lapse(): Promise<void> {
    const order = await this.placeOrder('lapse');
    if (!order) return;
    const session = await this.openSession(order);
    if (!session) return;
    await this.ctx.stack.database.collections.orders.updateOne(
      { _id: new ObjectId(order.id), status: 'pending_payment' },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    this.ctx.ledger.op('db.lapse-order', 200, 0);
    // Half of the time the shopper pays just as reconciliation expires the order.
    if (this.rng.chance(0.5)) {
      await sleep(this.rng.int(0, 2500));
      await this.sim('sim.pay', () => this.ctx.stack.sim.pay(session));
    }
  }

  async raceCancelPay(): Promise<void> {
    const order = await this.placeOrder('raceCancelPay');
    if (!order) return;
    const session = await this.openSession(order);
    if (!session) return;
    await Promise.all([this.cancel(order), this.sim('sim.pay', () => this.ctx.stack.sim.pay(session))]);
  }

  async idempotentRetry(): Promise<void> {
    const key = `soak-${new ObjectId().toHexString()}`;
    const body = { items: this.lines() };
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        this.http<{ id: string; total: number }>('order.create-idempotent', 'POST', '/api/orders', {
          body,
          expect: [201, 409],
          headers: { 'idempotency-key': key },
        }),
      ),
    );
    const created = [a!, b!].filter((r) => r.status === 201);
    if (created.length === 2 && created[0]!.body.id !== created[1]!.body.id) {
      this.ctx.ledger.anomaly(
        'order.create-idempotent',
        201,
        `one key, two orders: ${created[0]!.body.id} ${created[1]!.body.id}`,
      );
    }
    if (created.length === 0) return;
    const order = this.remember(created[0]!.body.id, created[0]!.body.total, 'idempotentRetry');
    for (const other of created.slice(1)) this.remember(other.body.id, other.body.total, 'idempotentRetry');
    const intentKey = { 'idempotency-key': `${key}-intent` };
    const s1 = await this.openSession(order, intentKey);
    const s2 = await this.openSession(order, intentKey);
    if (s1 && s2 && s1 !== s2)
      this.ctx.ledger.anomaly('payment.create-intent', 201, `one order, two sessions: ${s1} ${s2}`);
    if (s1) await this.sim('sim.pay', () => this.ctx.stack.sim.pay(s1));
  }

  async foreignWebhook(): Promise<void> {
    const id = `evt_soak_${new ObjectId().toHexString()}`;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'customer.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: `cus_${new ObjectId().toHexString()}`, object: 'customer' } },
    });
    await this.rawPost('webhook.foreign-type', payload, signPayload(payload, SOAK_WEBHOOK_SECRET), [200]);
    this.ctx.foreignEventIds.push(id);
  }

  async forgedWebhook(): Promise<void> {
    const id = `evt_forged_${new ObjectId().toHexString()}`;
    const recent = [...this.ctx.ledger.orders.values()].slice(-50);
    const order = recent.length ? this.rng.pick(recent) : undefined;
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: order?.sessionId ?? 'cs_forged',
          object: 'checkout.session',
          payment_status: 'paid',
          amount_total: order?.total ?? 1,
          currency: 'usd',
          metadata: { orderId: order?.id ?? new ObjectId().toHexString() },
        },
      },
    });
    this.ctx.forgedEventIds.push(id);
    await this.rawPost('webhook.forged', payload, signPayload(payload, 'whsec_not_the_shops_secret'), [400]);
  }

  async rawPost(op: string, payload: string, signature: string, expect: number[]): Promise<number> {
    const started = Date.now();
    let status = 0;
    try {
      const res = await fetch(`${this.ctx.stack.apiUrl}/api/payments/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body: payload,
        signal: AbortSignal.timeout(20_000),
      });
      status = res.status;
      await res.text();
    } catch {
      status = 0;
    }
    this.ctx.ledger.op(op, status, Date.now() - started);
    if (!expect.includes(status)) this.ctx.ledger.anomaly(op, status, `POST /api/payments/webhook → ${status}`);
    return status;
  }

  async account(): Promise<void> {
    const email = `soak-${new ObjectId().toHexString()}@example.test`;
    const password = `Soak-${new ObjectId().toHexString()}!`;
    const reg = await this.http<{ accessToken: string; refreshToken: string }>(
      'auth.register',
      'POST',
      '/api/auth/register',
      {
        token: null,
        body: { email, password, name: 'Soak Shopper' },
        expect: [201],
      },
    );
    if (reg.status !== 201) return;
    const login = await this.http<{ accessToken: string; refreshToken: string }>(
      'auth.login',
      'POST',
      '/api/auth/login',
      {
        token: null,
        body: { email, password },
        expect: [200],
      },
    );
    if (login.status !== 200) return;
    await this.http('auth.me', 'GET', '/api/auth/me', { token: login.body.accessToken, expect: [200] });
    await this.http('auth.refresh', 'POST', '/api/auth/refresh', {
      token: null,
      body: { refreshToken: login.body.refreshToken },
      expect: [200],
    });
  }

  async admin(): Promise<void> {
    const token = this.ctx.admin.token;
    const status = this.rng.pick(['paid', 'refunded', 'pending_payment', 'cancelled']);
    await this.http('admin.orders', 'GET', `/api/admin/orders?status=${status}&limit=20`, { token, expect: [200] });
    await this.http('admin.failed-webhooks', 'GET', '/api/admin/failed-webhooks', { token, expect: [200] });
    await this.http('admin.forbidden', 'GET', '/api/admin/users', { expect: [403] }); // a customer token
  }
}

/**
 * Runs `virtualUsers` shoppers until `until` (and `minOrders`, within `hardUntil`) or `maxOrders`; resolves when every shopper has
 * finished its current scenario.
 */
export async function runTraffic(ctx: TrafficContext, rng: Rng, options: TrafficOptions): Promise<void> {
  const shoppers = Array.from({ length: options.virtualUsers }, async (_, index) => {
    const vuRng = rng.fork(index);
    const own = ctx.customers.filter((_, i) => i % options.virtualUsers === index);
    const users = own.length ? own : ctx.customers;
    const more = () =>
      ctx.ledger.orders.size < options.maxOrders &&
      Date.now() < (options.hardUntil ?? Number.POSITIVE_INFINITY) &&
      (Date.now() < options.until || ctx.ledger.orders.size < (options.minOrders ?? 0));
    while (more()) {
      const scenario = vuRng.weighted(SCENARIO_WEIGHTS);
      const shopper = new Shopper(ctx, vuRng, vuRng.pick(users));
      ctx.ledger.scenario(scenario);
      try {
        await shopper[scenario]();
      } catch (error) {
        ctx.ledger.anomaly(`scenario.${scenario}`, -1, `threw: ${(error as Error).stack ?? String(error)}`);
      }
      await sleep(vuRng.int(options.thinkMs[0], options.thinkMs[1]));
    }
  });
  await Promise.all(shoppers);
}
