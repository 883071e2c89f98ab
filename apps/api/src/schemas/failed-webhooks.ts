import { Type, type Static } from '@sinclair/typebox';
import { Cursor, Limit, ObjectIdString } from './common';

/**
 * Dead letters of the `stripe-events` queue (`failed-webhooks` collection) and their replay.
 *
 * Field contract between the API (replay) and the worker (fulfilment):
 * - the worker, when a webhook job fails for the last time, writes one document per event
 *   (`eventId` is unique): `error` = last error, `attempts` = every attempt `{at, error}`, `failedAt`;
 * - `POST /api/admin/failed-webhooks/:id/replay` (the API) sets `replayedAt`, increments `replayCount`,
 *   records `replayJobId` = `${eventId}.replay.${replayCount}`, puts the `webhook-events` document back
 *   to `status: 'received'` and queues `{kind: 'webhook', eventId, type, correlationId}` under that job ID;
 * - the worker, when it processes a replayed event successfully (or finds it already applied), sets
 *   `resolvedAt`; a resolved dead letter is never replayed again (409). When the replay fails for the
 *   last time again, the worker updates `error`, `attempts` and `failedAt` of the same document.
 */
export const FailedWebhookStatus = Type.Union(
  [Type.Literal('open'), Type.Literal('replayed'), Type.Literal('resolved')],
  {
    description:
      '`open`: never replayed and not resolved; `replayed`: replayed at least once, not resolved yet ' +
      '(compare `failedAt` with `replayedAt` to see whether the last replay failed again); `resolved`: `resolvedAt` is set',
  },
);
export type FailedWebhookStatus = Static<typeof FailedWebhookStatus>;

export const FailedWebhookListQuery = Type.Object(
  { limit: Limit, cursor: Type.Optional(Cursor), status: Type.Optional(FailedWebhookStatus) },
  { additionalProperties: false },
);

const Timestamp = (description: string) => Type.String({ format: 'date-time', description });

export const FailedWebhook = Type.Object(
  {
    id: ObjectIdString,
    eventId: Type.String({ description: 'Stripe event ID (`webhook-events` _id)' }),
    type: Type.String({ description: 'Stripe event type, e.g. checkout.session.completed' }),
    error: Type.String({ description: 'The error of the last failed attempt' }),
    attempts: Type.Array(
      Type.Object({ at: Timestamp('when the attempt failed'), error: Type.String() }, { additionalProperties: false }),
      { description: 'Every failed attempt, oldest first (written by the worker)' },
    ),
    failedAt: Timestamp('when the job failed for the last time (set by the worker; sort key of the list)'),
    replayedAt: Type.Optional(Timestamp('when an admin last replayed it (set by the replay route)')),
    resolvedAt: Type.Optional(
      Timestamp('when a replay succeeded (set by the worker); a resolved dead letter cannot be replayed'),
    ),
    replayCount: Type.Integer({ minimum: 0, description: 'accepted replays so far (set by the replay route)' }),
    lastReplayJobId: Type.Optional(
      Type.String({ description: 'BullMQ job ID of the last replay: `${eventId}.replay.${replayCount}`' }),
    ),
    status: FailedWebhookStatus,
  },
  { additionalProperties: false },
);
export type FailedWebhook = Static<typeof FailedWebhook>;

export const FailedWebhookList = Type.Object(
  {
    items: Type.Array(FailedWebhook),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'pass as cursor for the next page; null at the end',
    }),
    limit: Type.Integer(),
  },
  { additionalProperties: false },
);

export const ReplayAccepted = Type.Object(
  {
    id: ObjectIdString,
    eventId: Type.String(),
    jobId: Type.String({ description: '`${eventId}.replay.${replayCount}` in the stripe-events queue' }),
    replayCount: Type.Integer({ minimum: 1 }),
  },
  {
    additionalProperties: false,
    description:
      'The event was put back to `received` and queued; the worker sets `resolvedAt` on the dead letter when it succeeds.',
  },
);
