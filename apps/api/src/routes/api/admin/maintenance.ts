import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/error';
import { HeartbeatAccepted, HeartbeatRequest } from '../../../schemas/maintenance';

/**
 * `POST /api/admin/maintenance/heartbeat`: queues a no-op job so an operator can prove the
 * API → Redis → worker path end to end (it shows up in the worker log and Bull Board).
 */
const maintenance: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/heartbeat',
    {
      schema: {
        tags: ['admin'],
        summary: 'Queue a heartbeat job for the worker',
        security: [{ bearerAuth: [] }],
        body: HeartbeatRequest,
        response: { 202: HeartbeatAccepted, ...errorResponses },
      },
    },
    async (request, reply) => {
      const job = await app.deps.queues.maintenance.add('heartbeat', {
        task: 'heartbeat',
        requestedAt: new Date().toISOString(),
        correlationId: request.body?.correlationId ?? request.id,
      });
      return reply.status(202).send({ jobId: String(job.id), queue: 'maintenance' as const });
    },
  );
};

export default maintenance;
