/** Scenarios 5–7: add-to-cart, order + checkout session, webhook ingest. */
import { ignoredEvent, webhookHeaders, type SignedEvent } from '../events';
import { runLoad, type RequestSpec } from '../load';
import { fromLoad, measure } from './common';
import type { BenchContext, ScenarioResult } from './types';

type Context = Record<string, unknown>;

/** Spreads consecutive picks over the catalog (7919 is prime, so every product is reached). */
export const spread = (ids: readonly string[], i: number) => ids[(i * 7919) % ids.length]!;

/** 5. POST /api/cart/add as many shoppers: consecutive requests belong to different users. */
export async function addToCart(ctx: BenchContext): Promise<ScenarioResult> {
  const { users, catalog, settings } = ctx;
  let k = 0;
  const requests: RequestSpec[] = [
    {
      method: 'POST',
      path: '/api/cart/add',
      setupRequest: (req) => {
        const i = k++;
        const user = users[i % users.length]!;
        return {
          ...req,
          headers: { ...user.headers },
          body: JSON.stringify({ productId: spread(catalog.productIds, i), quantity: 1 }),
        };
      },
    },
  ];
  const load = { url: ctx.api.url, connections: settings.connections, requests };
  if (settings.warmupS > 0) await runLoad({ ...load, durationS: settings.warmupS });
  // Every applied add bumps its cart's version by one: the server-side count of adds, including
  // those still in flight when the load generator stopped (their commands are in the diff too).
  const versions = async () => {
    const [row] = await ctx.database.collections.carts
      .aggregate<{ total: number }>([{ $group: { _id: null, total: { $sum: '$version' } } }])
      .toArray();
    return row?.total ?? 0;
  };
  const before = await versions();
  const m = await measure(ctx, () => runLoad({ ...load, durationS: settings.durationS }));
  const applied = (await versions()) - before;
  return fromLoad(ctx, 'add-to-cart', `Add to cart (${users.length} users)`, m, {
    unit: 'request',
    writes: 'heavy',
    ...(applied > 0 ? { serverOps: applied } : {}),
    notes: [
      `Requests go to the ${users.length} shoppers in turn, so concurrent requests almost never touch the same cart.`,
    ],
  });
}

/** 6. POST /api/orders then POST /api/payments/create-intent for that order, per iteration. */
export async function orderCheckout(ctx: BenchContext): Promise<ScenarioResult> {
  const { users, catalog, settings } = ctx;
  let k = 0;
  let sessions = 0;
  let label: string | undefined;
  const requests: RequestSpec[] = [
    {
      method: 'POST',
      path: '/api/orders',
      setupRequest: (req, context) => {
        const i = k++;
        const c = context as Context;
        c.user = i % users.length;
        c.orderId = undefined;
        return {
          ...req,
          headers: { ...users[i % users.length]!.headers },
          body: JSON.stringify({ items: [{ productId: spread(catalog.productIds, i), quantity: 1 }] }),
        };
      },
      onResponse: (status, body, context) => {
        label = 'POST /api/orders';
        if (status === 201) (context as Context).orderId = (JSON.parse(body) as { id: string }).id;
      },
    },
    {
      method: 'POST',
      path: '/api/payments/create-intent',
      setupRequest: (req, context) => {
        const c = context as Context;
        // No order (it failed): start the next iteration instead.
        if (typeof c.orderId !== 'string') return null as unknown as RequestSpec;
        return {
          ...req,
          headers: { ...users[c.user as number]!.headers },
          body: JSON.stringify({ orderId: c.orderId }),
        };
      },
      onResponse: (status) => {
        label = 'POST /api/payments/create-intent';
        if (status === 201) sessions += 1;
      },
    },
  ];
  const connections = settings.writeConnections;
  const load = { url: ctx.api.url, connections, requests, label: () => label };
  // Warm-up of two iterations per connection, which also calibrates the measured run: a fixed
  // number of whole iterations per connection (~durationS long, at most orderLimit), so the run
  // ends with no request cut off half-way and every order has its session.
  const warm = await runLoad({ ...load, amount: connections * 4 });
  const rate = sessions / warm.elapsedS;
  const perConnection = Math.max(1, Math.floor(Math.min(settings.orderLimit, rate * settings.durationS) / connections));
  sessions = 0;
  const m = await measure(ctx, () => runLoad({ ...load, amount: connections * 2 * perConnection }));
  const result = fromLoad(ctx, 'order-checkout', 'Order + checkout session', m, {
    unit: 'order + session',
    writes: 'heavy',
    ops: sessions,
    route: (_method, route) => route === '/api/payments/create-intent',
    connections,
    notes: [
      `${connections * perConnection} orders (${perConnection} per connection, sized from the warm-up to last ~${settings.durationS} s, at most ${settings.orderLimit}). ` +
        'Each operation is an order (holds stock) and its Checkout Session from the Stripe simulator (a separate process); latency is per request.',
    ],
  });
  result.extra = { ...result.extra, perRequest: m.value.byLabel };
  return result;
}

/** 7. Signed webhook deliveries POSTed to /api/payments/webhook (an ignored event type, see events.ts). */
export async function webhookIngest(ctx: BenchContext): Promise<ScenarioResult> {
  const { settings } = ctx;
  const connections = settings.connections;
  const make = (n: number) => Array.from({ length: n }, () => ignoredEvent(ctx.webhookSecret));
  const deliver = (events: SignedEvent[]): RequestSpec[] => {
    let k = 0;
    return [
      {
        method: 'POST',
        path: '/api/payments/webhook',
        setupRequest: (req) => {
          // Past the pre-signed pool (only if the limit was raised mid-run), sign on the fly.
          const event = events[k++] ?? ignoredEvent(ctx.webhookSecret);
          return { ...req, headers: webhookHeaders(event), body: event.payload };
        },
      },
    ];
  };
  await runLoad({ url: ctx.api.url, connections, amount: connections * 2, requests: deliver(make(connections * 2)) });
  const events = make(settings.ingestLimit + connections);
  // Events recorded by the server: includes deliveries still in flight when the load generator
  // stopped, whose commands are in the diff too.
  const recorded = () => ctx.database.collections.webhookEvents.countDocuments({});
  const before = await recorded();
  const m = await measure(
    ctx,
    () =>
      runLoad({
        url: ctx.api.url,
        connections,
        requests: deliver(events),
        durationS: settings.durationS,
        maxResponses: settings.ingestLimit,
      }),
    { workerIdle: true },
  );
  const inserted = (await recorded()) - before;
  return fromLoad(ctx, 'webhook-ingest', 'Webhook ingest (signed events)', m, {
    unit: 'event',
    writes: 'heavy',
    ...(inserted > 0 ? { serverOps: inserted } : {}),
    connections,
    notes: [
      `Bounded to ${settings.ingestLimit} events or ${settings.durationS} s. Unique pre-signed \`customer.created\` events: ` +
        'the API path (verify, insert, enqueue, mark queued) is the same for every type, and the worker only marks ' +
        'them ignored, so its work does not crowd out the API being measured. Fulfilment is scenario 8.',
    ],
  });
}
