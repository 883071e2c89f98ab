import {
  MongoError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/**
 * Server error codes a replica set answers while it has no writable primary: during an election,
 * a step-down or a shutdown. The driver retries them once (retryable reads/writes); if they
 * still surface, the cluster is between primaries and the operation is worth retrying later.
 */
const NO_PRIMARY_CODES = new Set([
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  10058, // LegacyNotPrimary
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

function isUnavailableItself(error: unknown): boolean {
  if (error instanceof MongoServerSelectionError) return true; // no primary within serverSelectionTimeoutMS
  if (error instanceof MongoNetworkError) return true; // includes timeouts and cleared pools
  if (error instanceof MongoNotConnectedError || error instanceof MongoTopologyClosedError) return true;
  if (error instanceof MongoServerError && typeof error.code === 'number') return NO_PRIMARY_CODES.has(error.code);
  return false;
}

/**
 * True when `error` means "MongoDB cannot be reached or has no primary right now" rather than
 * "this operation is wrong": the API answers 503 with Retry-After, the worker lets BullMQ retry,
 * and start-up keeps trying. Follows `cause` chains, since services may wrap driver errors.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current instanceof Error && !seen.has(current)) {
    seen.add(current);
    if (isUnavailableItself(current)) return true;
    current = current.cause;
  }
  return false;
}

/** The driver's message without its stack: enough for one log line, free of credentials. */
export function describeMongoError(error: unknown): string {
  if (error instanceof MongoError) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
