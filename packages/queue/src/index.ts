export {
  createRedis,
  redisOptions,
  tlsOptions,
  bullPrefix,
  waitForRedis,
  type Redis,
  type RedisRole,
} from './connection';
export {
  EmailPayload,
  MaintenancePayload,
  QUEUE_NAMES,
  StripeEventPayload,
  emailsQueue,
  maintenanceQueue,
  stripeEventsQueue,
  retryingJobOptions,
  type QueueDefinition,
  type QueueName,
  type RetrySettings,
} from './definitions';
export {
  createAppQueues,
  createQueue,
  createWorker,
  InvalidJobPayloadError,
  type AppQueues,
  type TypedQueue,
} from './queues';
export { closeQueuesAndRedis } from './shutdown';
export { webhookJobId, webhookReplayJobId, sessionJobId, emailJobId } from './job-ids';
export { reportRedisAvailability, redactRedisUrl, type AvailabilityLogger } from './availability-log';
