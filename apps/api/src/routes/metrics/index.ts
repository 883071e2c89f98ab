import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** Prometheus scrape endpoint for this API replica. */
const metrics: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    { config: { rateLimit: false }, schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: false } },
    async (_request, reply) => {
      const body = await app.metricsRegistry.metrics();
      return reply.type(app.metricsRegistry.contentType).send(body);
    },
  );
};

export default metrics;
