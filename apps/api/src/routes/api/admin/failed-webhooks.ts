import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ObjectId } from '@simple-shop/db';
import { IdParams } from '../../../schemas/common';
import { errorResponses } from '../../../schemas/error';
import { FailedWebhookList, FailedWebhookListQuery, ReplayAccepted } from '../../../schemas/failed-webhooks';
import {
  listFailedWebhooks,
  replayFailedWebhook,
  toFailedWebhookDto,
} from '../../../services/webhooks/failed-webhooks';

/**
 * /api/admin/failed-webhooks: Stripe events whose fulfilment failed for good (dead letters), and
 * their replay. The replay contract with the worker is described in schemas/failed-webhooks.ts.
 */
const failedWebhooks: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['admin'],
        summary: 'Failed webhooks (dead letters), newest failure first',
        security: [{ bearerAuth: [] }],
        querystring: FailedWebhookListQuery,
        response: { 200: FailedWebhookList, ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const { docs, nextCursor } = await listFailedWebhooks(app.deps, { limit, cursor, status });
      return { items: docs.map(toFailedWebhookDto), nextCursor, limit };
    },
  );

  app.post(
    '/:id/replay',
    {
      schema: {
        tags: ['admin'],
        summary: 'Replay a failed webhook',
        description:
          'Puts the stored event back to `received` and queues it again (job `${eventId}.replay.${n}`). ' +
          'One replay at a time: 409 `REPLAY_PENDING` while the previous replay is queued or running, ' +
          '`REPLAY_IN_PROGRESS` when another replay won the race, `ALREADY_RESOLVED` once resolved, ' +
          '`EVENT_NOT_STORED` when the event is gone from `webhook-events`.',
        security: [{ bearerAuth: [] }],
        params: IdParams,
        response: { 202: ReplayAccepted, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await replayFailedWebhook(app.deps, new ObjectId(request.params.id), {
        correlationId: request.id,
        log: request.log,
      });
      request.log.info({ eventId: result.eventId, jobId: result.jobId }, 'failed webhook replayed');
      return reply.status(202).send(result);
    },
  );
};

export default failedWebhooks;
