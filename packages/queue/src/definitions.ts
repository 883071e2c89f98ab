import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { DefaultJobOptions } from 'bullmq';

/**
 * The one definition of every queue, shared by the API (producer) and the worker (consumer):
 * name, job names, payload schema and default job options live together so they cannot drift.
 */
export interface QueueDefinition<Name extends string, Payload extends TSchema> {
  name: Name;
  payload: Payload;
  defaultJobOptions: DefaultJobOptions;
}

export interface RetrySettings {
  attempts: number;
  backoffMs: number;
}

const keepCompleted = { age: 24 * 3600, count: 10_000 };
const keepFailed = { age: 14 * 24 * 3600 };

/** Exponential backoff with jitter so a burst of failures does not retry in lockstep. */
export function retryingJobOptions(retry: RetrySettings): DefaultJobOptions {
  return {
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: 0.5 },
    removeOnComplete: keepCompleted,
    removeOnFail: keepFailed,
  };
}

export const MaintenancePayload = Type.Object(
  {
    task: Type.Union([Type.Literal('heartbeat'), Type.Literal('reconcile')]),
    requestedAt: Type.String(),
    correlationId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type MaintenancePayload = Static<typeof MaintenancePayload>;

export function maintenanceQueue(retry: RetrySettings): QueueDefinition<'maintenance', typeof MaintenancePayload> {
  return { name: 'maintenance', payload: MaintenancePayload, defaultJobOptions: retryingJobOptions(retry) };
}

/**
 * Emails: the job carries only the outbox document ID (`email-outbox`), which is also the job ID,
 * so the same email queued twice is one job, and the content is read from MongoDB at send time.
 */
export const EmailPayload = Type.Object(
  { outboxId: Type.String({ minLength: 1, maxLength: 200 }), correlationId: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type EmailPayload = Static<typeof EmailPayload>;

export function emailsQueue(retry: RetrySettings): QueueDefinition<'emails', typeof EmailPayload> {
  return { name: 'emails', payload: EmailPayload, defaultJobOptions: retryingJobOptions(retry) };
}

/**
 * Stripe work, one queue for both sources so there is one completion path:
 * - `webhook`: the job carries the event ID (also the job ID); the verified payload is read from
 *   `webhook-events`, the durable record written before Stripe was answered;
 * - `session`: "check this Checkout Session with Stripe and complete its order if paid", queued by
 *   verify-session and reconciliation when a webhook may have been missed.
 */
export const StripeEventPayload = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('webhook'),
      eventId: Type.String({ minLength: 1, maxLength: 255 }),
      type: Type.String({ maxLength: 255 }),
      /** Set on an operator's replay of a dead letter: the replay number (see job-ids.ts). */
      replay: Type.Optional(Type.Integer({ minimum: 1 })),
      correlationId: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('session'),
      sessionId: Type.String({ minLength: 1, maxLength: 255 }),
      correlationId: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
]);
export type StripeEventPayload = Static<typeof StripeEventPayload>;

export function stripeEventsQueue(retry: RetrySettings): QueueDefinition<'stripe-events', typeof StripeEventPayload> {
  return { name: 'stripe-events', payload: StripeEventPayload, defaultJobOptions: retryingJobOptions(retry) };
}

export const QUEUE_NAMES = ['maintenance', 'emails', 'stripe-events'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
