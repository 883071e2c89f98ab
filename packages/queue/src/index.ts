export { createRedis, redisOptions, bullPrefix, waitForRedis, type Redis, type RedisRole } from './connection';
export {
  MaintenancePayload,
  QUEUE_NAMES,
  maintenanceQueue,
  retryingJobOptions,
  type QueueDefinition,
  type QueueName,
  type RetrySettings,
} from './definitions';
export { createQueue, createWorker, InvalidJobPayloadError, type TypedQueue } from './queues';
