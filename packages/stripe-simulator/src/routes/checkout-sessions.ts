// /v1/checkout/sessions: create, retrieve (with expand), list line items, expire.
import type { FastifyInstance } from 'fastify';
import { parseCheckoutSessionParams } from '../checkout-session-params';
import { optionalInteger, optionalString } from '../form';
import { apiGet, apiPost } from './api';
import type { RouteDeps } from './api';

export function registerCheckoutSessionRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { sim } = deps;

  apiPost(
    app,
    '/v1/checkout/sessions',
    ({ data, expand }) => {
      const input = parseCheckoutSessionParams(data);
      const session = sim.createSession(input);
      return sim.expand(session, expand);
    },
    deps,
  );

  apiGet(app, '/v1/checkout/sessions/:id', ({ params, expand }) => {
    const record = sim.sessionRecord(params.id ?? '', 'session');
    return sim.expand(record.session, expand);
  });

  apiGet(app, '/v1/checkout/sessions/:id/line_items', ({ params }) => {
    const record = sim.sessionRecord(params.id ?? '', 'session');
    return sim.lineItemList(record);
  });

  // Newest first, like every Stripe list; `payment_intent` filter helps find a session from a charge/refund.
  apiGet(app, '/v1/checkout/sessions', ({ data }) => {
    const limit = Math.min(Math.max(optionalInteger(data.limit, 'limit') ?? 10, 1), 100);
    const paymentIntent = optionalString(data.payment_intent, 'payment_intent');
    const all = sim
      .allSessions()
      .filter((s) => paymentIntent === null || s.payment_intent === paymentIntent)
      .reverse();
    return { object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url: '/v1/checkout/sessions' };
  });

  apiPost(
    app,
    '/v1/checkout/sessions/:id/expire',
    ({ params, ctx, expand }) => {
      const session = sim.expireSession(params.id ?? '', ctx);
      return sim.expand(session, expand);
    },
    deps,
  );
}
