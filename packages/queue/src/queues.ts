import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Queue, UnrecoverableError, Worker, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import type { Redis } from './connection';
import { bullPrefix } from './connection';
import {
  emailsQueue,
  maintenanceQueue,
  stripeEventsQueue,
  type EmailPayload,
  type MaintenancePayload,
  type QueueDefinition,
  type RetrySettings,
  type StripeEventPayload,
} from './definitions';

export class InvalidJobPayloadError extends Error {
  override name = 'InvalidJobPayloadError';
}

function assertPayload<S extends TSchema>(schema: S, data: unknown, queue: string): asserts data is Static<S> {
  if (!Value.Check(schema, data)) {
    const first = Value.Errors(schema, data).First();
    throw new InvalidJobPayloadError(
      `invalid ${queue} job payload at ${first?.path ?? '/'}: ${first?.message ?? 'unknown'}`,
    );
  }
}

export interface TypedQueue<Payload> {
  queue: Queue;
  add(jobName: string, data: Payload, opts?: JobsOptions): Promise<Job>;
}

/**
 * A producer for one queue definition; payloads are validated before they reach Redis.
 *
 * `skipVersionCheck`: BullMQ sets a queue up once, in its constructor, and keeps the outcome for the queue's
 * life. With the version check that set-up sends INFO; on the API's fail-fast client (2 s command timeout) an
 * INFO that Redis does not answer in time (a Redis starved of CPU while the replicas start) rejected the
 * set-up for good: every later queue command, and so readiness, failed with "Command timed out" while PING on
 * the same client worked again. Without the check the set-up only waits for the connection, which ioredis
 * re-establishes by itself. The version and eviction-policy checks still run where they matter: in the
 * worker's BullMQ workers, on its connection without a command timeout.
 */
export function createQueue<N extends string, S extends TSchema>(
  def: QueueDefinition<N, S>,
  connection: Redis,
  prefix: string,
): TypedQueue<Static<S>> {
  const queue = new Queue(def.name, {
    connection,
    prefix,
    defaultJobOptions: def.defaultJobOptions,
    skipVersionCheck: true,
  });
  return {
    queue,
    add: (jobName, data, opts) => {
      assertPayload(def.payload, data, def.name);
      return queue.add(jobName, data, opts);
    },
  };
}

/**
 * A consumer for one queue definition. A payload that does not match the schema can never
 * succeed, so it fails at once without using up retries (UnrecoverableError).
 */
export function createWorker<N extends string, S extends TSchema, R>(
  def: QueueDefinition<N, S>,
  handler: (job: Job<Static<S>>) => Promise<R>,
  connection: Redis,
  options: Omit<WorkerOptions, 'connection'> & { prefix: string },
): Worker<Static<S>, R> {
  return new Worker<Static<S>, R>(
    def.name,
    async (job) => {
      if (!Value.Check(def.payload, job.data)) {
        const first = Value.Errors(def.payload, job.data).First();
        throw new UnrecoverableError(
          `invalid ${def.name} job payload at ${first?.path ?? '/'}: ${first?.message ?? ''}`,
        );
      }
      return handler(job);
    },
    { ...options, connection },
  );
}

/** The producers of every queue, as both processes hold them (one definition per queue). */
export interface AppQueues {
  maintenance: TypedQueue<MaintenancePayload>;
  emails: TypedQueue<EmailPayload>;
  stripeEvents: TypedQueue<StripeEventPayload>;
}

export function createAppQueues(redis: Redis, settings: { keyPrefix: string; retry: RetrySettings }): AppQueues {
  const prefix = bullPrefix(settings.keyPrefix);
  return {
    maintenance: createQueue(maintenanceQueue(settings.retry), redis, prefix),
    emails: createQueue(emailsQueue(settings.retry), redis, prefix),
    stripeEvents: createQueue(stripeEventsQueue(settings.retry), redis, prefix),
  };
}
