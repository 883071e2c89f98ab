import type { Database, ObjectId, OrderDoc } from '@simple-shop/db';
import type { Stripe } from '@simple-shop/payments';
import type { LogFn } from 'pino';

/** The logging an outcome does (a pino logger, or Fastify's request logger). */
export interface OutcomeLog {
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): OutcomeLog;
}

/** What an outcome needs. Queueing, metrics and cache invalidation stay with the calling app. */
export interface OutcomeDeps {
  database: Database;
  /** Null when payments are not configured: outcomes that must call Stripe refuse. */
  stripe: Stripe | null;
  log: OutcomeLog;
}

/**
 * What an outcome did, for the app to follow up: queue `outboxIds` (emails committed with the
 * outcome), invalidate the cached products in `stockChanged` (their available stock moved).
 */
export interface OutcomeResult<Outcome extends string> {
  outcome: Outcome;
  /** The order after the outcome, when this call moved it. */
  order: OrderDoc | null;
  outboxIds: string[];
  stockChanged: ObjectId[];
}

export function result<O extends string>(
  outcome: O,
  order: OrderDoc | null = null,
  outboxIds: readonly (string | null)[] = [],
  stockChanged: readonly ObjectId[] = [],
): OutcomeResult<O> {
  return {
    outcome,
    order,
    outboxIds: outboxIds.filter((id): id is string => id !== null),
    stockChanged: [...stockChanged],
  };
}

/** A failure that retrying cannot fix (a malformed event): the worker dead-letters it at once. */
export class PermanentOutcomeError extends Error {
  override name = 'PermanentOutcomeError';
}

/** The outcome cannot happen from the order's current state; the API answers 409 with `code`. */
export class OutcomeConflictError extends Error {
  override name = 'OutcomeConflictError';
  constructor(
    readonly code: 'PAYMENT_IN_PROGRESS' | 'INVALID_STATE' | 'PAYMENTS_DISABLED' | 'REFUND_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}
