import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { runChecks } from '@simple-shop/observability';
import { Liveness, Readiness } from '../../schemas/health';
import { stripeProbe } from '../../services/payments/stripe-health';

/**
 * `/health` is liveness: it answers while the event loop does, touching no dependency, so an
 * outage of MongoDB never makes an orchestrator kill healthy API pods.
 * `/health/deep` is readiness: MongoDB and Redis/queue are required (503 when down); Stripe is
 * optional (degraded) because browsing and carts work without it.
 */
const health: FastifyPluginAsyncTypebox = async (app) => {
  const probeStripe = stripeProbe(app.deps.stripe);
  app.get(
    '/',
    {
      config: { rateLimit: false },
      schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Liveness } },
    },
    async () => ({ status: 'ok' as const, timestamp: new Date().toISOString() }),
  );

  app.get(
    '/deep',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Readiness with dependency checks',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const { database, redis, queues } = app.deps;
      const result = await runChecks({
        database: { required: true, probe: () => database.ping() },
        redis: {
          required: true,
          probe: async () => {
            await redis.ping();
          },
        },
        queue: {
          required: true,
          probe: async () => {
            await queues.maintenance.queue.getJobCounts('waiting');
          },
        },
        stripe: { required: false, probe: probeStripe },
      });
      return reply.status(result.status === 'unhealthy' ? 503 : 200).send({
        ...result,
        uptime: Math.round(process.uptime()),
        timestamp: new Date().toISOString(),
      });
    },
  );
};

export default health;
