// /v1/refunds: create (full or partial), retrieve, list.
import type { FastifyInstance } from 'fastify';
import { resourceMissing } from '../errors';
import { listItemExpansions } from '../expand';
import { optionalInteger, optionalString } from '../form';
import { parseRefundParams } from '../refund-params';
import { apiGet, apiPost } from './api';
import type { RouteDeps } from './api';

export function registerRefundRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { sim, store } = deps;

  apiPost(
    app,
    '/v1/refunds',
    ({ data, ctx, expand }) => {
      const refund = sim.refund(parseRefundParams(data), ctx);
      return sim.expand(refund, expand);
    },
    deps,
  );

  apiGet(app, '/v1/refunds/:id', ({ params, expand }) => {
    const id = params.id ?? '';
    const refund = store.refunds.get(id);
    if (!refund) throw resourceMissing('refund', id, 'id');
    return sim.expand(refund, expand);
  });

  apiGet(app, '/v1/refunds', ({ data, expand }) => {
    const limit = Math.min(Math.max(optionalInteger(data.limit, 'limit') ?? 10, 1), 100);
    const paymentIntent = optionalString(data.payment_intent, 'payment_intent');
    const charge = optionalString(data.charge, 'charge');
    const itemExpand = listItemExpansions(expand);
    const all = [...store.refunds.values()]
      .filter(
        (r) =>
          (paymentIntent === null || r.payment_intent === paymentIntent) && (charge === null || r.charge === charge),
      )
      .reverse();
    return {
      object: 'list',
      data: all.slice(0, limit).map((r) => sim.expand(r, itemExpand)),
      has_more: all.length > limit,
      url: '/v1/refunds',
    };
  });
}
