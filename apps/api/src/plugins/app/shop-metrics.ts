import { Counter } from '@simple-shop/observability';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    shopMetrics: {
      ordersCreated: Counter;
      webhookEvents: Counter<'result'>;
    };
  }
}

/** Business metrics of the API process (the worker exports the payment outcomes). */
export default fp(
  async (app) => {
    const registers = [app.metricsRegistry];
    app.decorate('shopMetrics', {
      ordersCreated: new Counter({ name: 'orders_created', help: 'Orders created (stock held)', registers }),
      webhookEvents: new Counter({
        name: 'webhook_events_total',
        help: 'Stripe webhook deliveries at ingest, by result (accepted, duplicate, bad_signature)',
        labelNames: ['result'],
        registers,
      }),
    });
  },
  { name: 'shop-metrics', dependencies: ['http-metrics'] },
);
