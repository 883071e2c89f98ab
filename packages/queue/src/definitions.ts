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
    task: Type.Union([Type.Literal('heartbeat')]),
    requestedAt: Type.String(),
    correlationId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type MaintenancePayload = Static<typeof MaintenancePayload>;

export function maintenanceQueue(retry: RetrySettings): QueueDefinition<'maintenance', typeof MaintenancePayload> {
  return { name: 'maintenance', payload: MaintenancePayload, defaultJobOptions: retryingJobOptions(retry) };
}

export const QUEUE_NAMES = ['maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];
