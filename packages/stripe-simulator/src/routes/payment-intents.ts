// /v1/payment_intents/:id and /v1/charges/:id (read-only: in Checkout they are created by the session).
import type { FastifyInstance } from 'fastify';
import { resourceMissing } from '../errors';
import { apiGet } from './api';
import type { RouteDeps } from './api';

export function registerPaymentIntentRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { sim, store } = deps;

  apiGet(app, '/v1/payment_intents/:id', ({ params, expand }) => {
    const id = params.id ?? '';
    const pi = store.paymentIntents.get(id);
    if (!pi) throw resourceMissing('payment_intent', id, 'intent');
    return sim.expand(pi, expand);
  });

  apiGet(app, '/v1/charges/:id', ({ params, expand }) => {
    const id = params.id ?? '';
    const charge = store.charges.get(id);
    if (!charge) throw resourceMissing('charge', id, 'id');
    return sim.expand(charge, expand);
  });
}
