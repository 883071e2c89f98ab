export * from './documents';
export { normaliseEmail, promoteToAdmin } from './users';
export { COLLECTIONS, getCollections, type Collections } from './collections';
export { INDEXES, RETIRED_INDEXES, ensureIndexes } from './indexes';
export { QUERY_SHAPES, indexSupports, supportingIndex, type QueryShape } from './query-shapes';
export {
  recordEmail,
  outboxIdFor,
  secretDataUnset,
  EMAIL_OUTBOX_RETENTION_SECONDS,
  type EmailKind,
  type OrderEmailData,
  type EmailDataByKind,
  type RecordEmailInput,
} from './email-outbox';
export {
  TRANSACTION_OPTIONS,
  createTransactionRunner,
  type TransactionRunner,
  type TransactionStats,
} from './transaction';
export {
  connectDatabase,
  createMongoClient,
  redactMongoUri,
  DEFAULT_SERVER_SELECTION_TIMEOUT_MS,
  type Database,
  type ConnectOptions,
} from './connect';
export { isDatabaseUnavailable, describeMongoError } from './availability';
export { ObjectId, type ClientSession, type CommandStartedEvent } from 'mongodb';
