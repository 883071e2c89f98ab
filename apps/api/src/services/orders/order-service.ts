import { ObjectId, type OrderDoc } from '@simple-shop/db';
import { cancelOrder as cancelOutcome, OutcomeConflictError, type OutcomeResult } from '@simple-shop/order-outcomes';
import { createOrder, OrderError, type OrderLineRequest } from '@simple-shop/orders';
import { emailJobId } from '@simple-shop/queue';
import type { FastifyBaseLogger } from 'fastify';
import type { AppDependencies } from '../../deps';
import { HttpError, notFound } from '../../lib/http-error';
import { checkHoldCaps } from './hold-caps';

/** Domain failures become the contract's 4xx answers. */
export function toHttpError(error: unknown): unknown {
  if (error instanceof OutcomeConflictError) {
    return new HttpError(error.code === 'PAYMENTS_DISABLED' ? 503 : 409, error.code, error.message);
  }
  if (!(error instanceof OrderError)) return error;
  switch (error.code) {
    case 'PRODUCT_NOT_FOUND':
      return new HttpError(404, error.code, error.message, error.details);
    case 'EMPTY_ORDER':
      return new HttpError(400, error.code, error.message, error.details);
    default:
      return new HttpError(409, error.code, error.message, error.details);
  }
}

export async function placeOrder(deps: AppDependencies, userId: string, lines: OrderLineRequest[]): Promise<OrderDoc> {
  await checkHoldCaps(deps, new ObjectId(userId), lines);
  try {
    return await createOrder(deps.database, {
      userId: new ObjectId(userId),
      lines,
      ttlSeconds: deps.config.CHECKOUT_SESSION_TTL_SECONDS,
    });
  } catch (error) {
    throw toHttpError(error);
  }
}

/** Another user's order is a 404, not a 403: its existence is not revealed. */
export async function findOwnOrder(deps: AppDependencies, userId: string, orderId: ObjectId): Promise<OrderDoc> {
  const order = await deps.database.collections.orders.findOne({ _id: orderId });
  if (!order || order.userId.toHexString() !== userId) throw notFound('Order');
  return order;
}

/**
 * Queues the emails an outcome committed. If Redis is down they stay `pending` in the outbox and
 * reconciliation queues them: nothing is lost, so a failure here is only logged.
 */
export async function queueOutcomeEmails(
  deps: AppDependencies,
  outcome: OutcomeResult<string>,
  log: FastifyBaseLogger,
): Promise<void> {
  for (const outboxId of outcome.outboxIds) {
    await deps.queues.emails
      .add('send', { outboxId }, { jobId: emailJobId(outboxId) })
      .catch((error: unknown) => log.warn({ err: error, outboxId }, 'email recorded but not queued; reconciliation will queue it'));
  }
}

/**
 * The customer's cancel (the order outcome lives in @simple-shop/order-outcomes): unpaid →
 * cancelled with its stock released, paid → refunded through Stripe and restocked.
 */
export async function cancelOrder(
  deps: AppDependencies,
  order: OrderDoc,
  log: FastifyBaseLogger,
): Promise<{ order: OrderDoc; stockChanged: string[] }> {
  try {
    const outcome = await cancelOutcome({ database: deps.database, stripe: deps.stripe, log }, order);
    await queueOutcomeEmails(deps, outcome, log);
    return {
      order: outcome.order ?? order,
      stockChanged: outcome.stockChanged.map((id) => id.toHexString()),
    };
  } catch (error) {
    throw toHttpError(error);
  }
}
