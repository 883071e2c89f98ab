/**
 * 9. A mixed storefront workload in ONE autocannon instance, so the mix is exact per request:
 *
 *   product detail 50 %, product list 20 %, search 10 %  (browse: 80 %)
 *   add to cart 12 %, order 2.5 % + its checkout session 2.5 % (5 %), signed webhook 3 %
 *
 * Each connection loops over a two-request iteration (autocannon keeps a per-connection context
 * only within one pass over its `requests`). Step 1 starts an order with probability 5 %, else it
 * is drawn from the other operations; step 2 is that order's create-intent, else another draw. With
 * the draw weights detail 100 : list 40 : search 20 : cart 24 : webhook 6 (sum 190), each of the
 * 2 × 95 % drawn requests per 200 lands on the percentages above, and orders + sessions on 5 %.
 */
import { catalogKeys } from '@simple-shop/cache';
import { ignoredEvent, webhookHeaders } from '../events';
import { cycle, runLoad, type RequestSpec } from '../load';
import { fromLoad, measure, prewarm } from './common';
import { spread } from './writes';
import type { BenchContext, ScenarioResult } from './types';

type Op = 'detail' | 'list' | 'search' | 'cart' | 'webhook' | 'order' | 'intent';
type Context = Record<string, unknown>;

const DRAW: [Op, number][] = [
  ['detail', 100],
  ['list', 40],
  ['search', 20],
  ['cart', 24],
  ['webhook', 6],
];
const DRAW_TOTAL = DRAW.reduce((s, [, w]) => s + w, 0);
const ORDER_SHARE = 0.05;

function draw(): Op {
  let r = Math.random() * DRAW_TOTAL;
  for (const [op, weight] of DRAW) {
    r -= weight;
    if (r < 0) return op;
  }
  return 'detail';
}

export function mixedRequests(ctx: BenchContext): { requests: RequestSpec[]; label: () => string | undefined } {
  const { catalog, users } = ctx;
  const detail = cycle(catalog.productIds.map((id) => `/api/products/${id}`));
  const list = cycle(catalog.listQueries.map((q) => `/api/products?${q}`));
  const search = cycle(catalog.searchQueries.map((q) => `/api/products/search?q=${encodeURIComponent(q)}&limit=20`));
  let k = 0;
  let label: string | undefined;

  const build = (op: Op, req: RequestSpec, c: Context): RequestSpec => {
    c.op = op;
    switch (op) {
      case 'detail':
        return { ...req, method: 'GET', path: detail(), headers: {}, body: undefined };
      case 'list':
        return { ...req, method: 'GET', path: list(), headers: {}, body: undefined };
      case 'search':
        return { ...req, method: 'GET', path: search(), headers: {}, body: undefined };
      case 'webhook': {
        const event = ignoredEvent(ctx.webhookSecret);
        return {
          ...req,
          method: 'POST',
          path: '/api/payments/webhook',
          headers: webhookHeaders(event),
          body: event.payload,
        };
      }
      case 'cart': {
        const i = k++;
        return {
          ...req,
          method: 'POST',
          path: '/api/cart/add',
          headers: { ...users[i % users.length]!.headers },
          body: JSON.stringify({ productId: spread(catalog.productIds, i), quantity: 1 }),
        };
      }
      case 'order': {
        const i = k++;
        c.user = i % users.length;
        return {
          ...req,
          method: 'POST',
          path: '/api/orders',
          headers: { ...users[i % users.length]!.headers },
          body: JSON.stringify({ items: [{ productId: spread(catalog.productIds, i + 3), quantity: 1 }] }),
        };
      }
      case 'intent':
        return {
          ...req,
          method: 'POST',
          path: '/api/payments/create-intent',
          headers: { ...users[c.user as number]!.headers },
          body: JSON.stringify({ orderId: c.orderId }),
        };
    }
  };

  const onResponse = (status: number, body: string, context: object) => {
    const c = context as Context;
    label = c.op as string;
    if (c.op === 'order' && status === 201) c.orderId = (JSON.parse(body) as { id: string }).id;
  };

  const requests: RequestSpec[] = [
    {
      setupRequest: (req, context) => {
        const c = context as Context;
        c.orderId = undefined;
        return build(Math.random() < ORDER_SHARE ? 'order' : draw(), req, c);
      },
      onResponse,
    },
    {
      setupRequest: (req, context) => {
        const c = context as Context;
        return build(c.op === 'order' && typeof c.orderId === 'string' ? 'intent' : draw(), req, c);
      },
      onResponse,
    },
  ];
  return { requests, label: () => label };
}

export async function mixed(ctx: BenchContext, connections: number): Promise<ScenarioResult> {
  const { settings, catalog } = ctx;
  const paths = [
    ...catalog.productIds.map((id) => `/api/products/${id}`),
    ...catalog.listQueries.map((q) => `/api/products?${q}`),
    ...catalog.searchQueries.map((q) => `/api/products/search?q=${encodeURIComponent(q)}&limit=20`),
  ];
  await prewarm(ctx.api.url, paths);
  const { requests, label } = mixedRequests(ctx);
  const load = { url: ctx.api.url, connections, requests, label };
  if (settings.warmupS > 0) await runLoad({ ...load, durationS: settings.warmupS });
  // Every stock change (an order's hold, a payment) bumps the catalog generation, which discards
  // every cached list/search page (apps/api/src/services/catalog/product-cache.ts): count them.
  const genKey = catalogKeys(ctx.keyPrefix).generation;
  const genBefore = Number((await ctx.redis.get(genKey)) ?? 0);
  const m = await measure(ctx, () => runLoad({ ...load, durationS: settings.mixedDurationS }), { workerIdle: true });
  const bumps = Number((await ctx.redis.get(genKey)) ?? 0) - genBefore;
  const orders = m.value.byLabel.order?.ok ?? 0;
  const result = fromLoad(ctx, `mixed-${connections}`, `Mixed storefront, ${connections} connections`, m, {
    unit: 'request',
    writes: 'some',
    ops: m.value.ok,
    connections,
    notes: [
      'One autocannon instance; per request: detail 50 %, list 20 %, search 10 %, add-to-cart 12 %, ' +
        'order 2.5 % + checkout session 2.5 %, signed webhook 3 % (see bench/scenarios/mixed.ts). ' +
        'Success = 2xx / all requests (including errors and timeouts). Command counts include the requests still ' +
        `in flight when the run stopped (at most ${connections}), so they are slightly high.`,
      `The catalog generation was bumped ${bumps} times in ${m.value.elapsedS.toFixed(0)} s (about every ` +
        `${bumps > 0 ? Math.round((1000 * m.value.elapsedS) / bumps) : '∞'} ms) while ${orders} orders were placed ` +
        `(${orders > 0 ? (bumps / orders).toFixed(1) : '—'} bumps per order): each bump makes every cached list and search page unreachable.`,
    ],
  });
  result.extra = { ...result.extra, byOperation: m.value.byLabel, catalogGenerationBumps: bumps };
  return result;
}
