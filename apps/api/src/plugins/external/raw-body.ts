import fp from 'fastify-plugin';
import rawBody from 'fastify-raw-body';

/**
 * Keeps the exact request bytes for routes that opt in with `config: { rawBody: true }` — the
 * Stripe webhook, whose signature covers the raw body, not a re-serialised object.
 */
export default fp(
  async (app) => {
    await app.register(rawBody, { field: 'rawBody', global: false, encoding: 'utf8', runFirst: true });
  },
  { name: 'raw-body' },
);
