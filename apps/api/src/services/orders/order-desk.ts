import type { Collections, ObjectId, OrderDoc, PaymentDoc } from '@simple-shop/db';
import {
  completeFulfilment,
  OrderMissingError,
  refundOrder,
  shipOrder,
  type OutcomeResult,
  type Shipment,
} from '@simple-shop/order-outcomes';
import type { Filter } from 'mongodb';
import type { FastifyBaseLogger } from 'fastify';
import type { AppDependencies } from '../../deps';
import { HttpError, notFound } from '../../lib/http-error';
import type { AdminOrderDetail, RefundBody } from '../../schemas/order-desk';
import type { AdminOrderListQuery } from '../../schemas/orders';
import { toOrderDto } from './order-dto';
import { queueOutcomeEmails, toHttpError } from './order-service';

/**
 * The operator's order desk: reading one order with everything about it, and the actions on it.
 * Each action is an order outcome (@simple-shop/order-outcomes); this file maps them to HTTP and
 * queues the emails they committed.
 */

/** The list's filters as a MongoDB filter; an unknown email matches no order. */
export async function adminOrderFilter(
  collections: Collections,
  query: Omit<AdminOrderListQuery, 'limit' | 'cursor'>,
): Promise<Filter<OrderDoc> | null> {
  const filter: Filter<OrderDoc> = {};
  if (query.status) filter.status = query.status;
  if (query.fulfilmentStatus) {
    Object.assign(
      filter,
      query.fulfilmentStatus === 'unfulfilled'
        ? { $or: [{ fulfilmentStatus: 'unfulfilled' }, { fulfilmentStatus: { $exists: false } }] }
        : { fulfilmentStatus: query.fulfilmentStatus },
    );
  }
  if (query.createdFrom || query.createdTo) {
    filter.createdAt = {
      ...(query.createdFrom ? { $gte: new Date(query.createdFrom) } : {}),
      ...(query.createdTo ? { $lt: new Date(query.createdTo) } : {}),
    };
  }
  if (query.email) {
    const user = await collections.users.findOne({ email: query.email.trim().toLowerCase() });
    if (!user) return null;
    filter.userId = user._id;
  }
  return filter;
}

function toPaymentDto(payment: PaymentDoc): AdminOrderDetail['payments'][number] {
  return {
    provider: payment.provider,
    status: payment.status,
    amount: payment.amount,
    amountRefunded: payment.amountRefunded ?? 0,
    currency: payment.currency,
    sessionId: payment.sessionId,
    ...(payment.paymentIntentId ? { paymentIntentId: payment.paymentIntentId } : {}),
    createdAt: payment.createdAt.toISOString(),
  };
}

export function toAdminOrderDto(order: OrderDoc) {
  return { ...toOrderDto(order), userId: order.userId.toHexString() };
}

export async function orderDetail(deps: AppDependencies, order: OrderDoc): Promise<AdminOrderDetail> {
  const payments = await deps.database.collections.payments.find({ orderId: order._id }).sort({ createdAt: 1 }).toArray();
  return {
    ...toAdminOrderDto(order),
    payments: payments.map(toPaymentDto),
    refunds: (order.refunds ?? []).map((r) => ({ ...r, at: r.at.toISOString() })),
    timeline: [...(order.timeline ?? [])]
      .sort((a, b) => a.at.getTime() - b.at.getTime())
      .map((e) => ({
        at: e.at.toISOString(),
        by: e.by,
        kind: e.kind,
        ...(e.from ? { from: e.from } : {}),
        to: e.to,
        ...(e.note ? { note: e.note } : {}),
        ...(e.amount === undefined ? {} : { amount: e.amount }),
      })),
  };
}

export async function findOrder(deps: AppDependencies, orderId: ObjectId): Promise<OrderDoc> {
  const order = await deps.database.collections.orders.findOne({ _id: orderId });
  if (!order) throw notFound('Order');
  return order;
}

/** Runs an order-desk outcome: its emails are queued, its failures become 4xx answers. */
async function runAction<O extends string>(
  deps: AppDependencies,
  log: FastifyBaseLogger,
  action: () => Promise<OutcomeResult<O>>,
): Promise<OutcomeResult<O>> {
  try {
    const outcome = await action();
    await queueOutcomeEmails(deps, outcome, log);
    return outcome;
  } catch (error) {
    if (error instanceof OrderMissingError) throw notFound('Order');
    throw toHttpError(stripeRefusal(error));
  }
}

/** Stripe refuses a refund above what is left on the charge (a concurrent or outside refund). */
function stripeRefusal(error: unknown): unknown {
  const code = (error as { type?: string; code?: string }).code;
  if ((error as { type?: string }).type === 'StripeInvalidRequestError' && (code === 'amount_too_large' || code === 'charge_already_refunded')) {
    return new HttpError(409, 'REFUND_TOO_LARGE', 'Stripe refused the refund: more than is left on the charge');
  }
  return error;
}

const adminBy = (adminId: string) => `admin:${adminId}`;

export async function shipFromDesk(
  deps: AppDependencies,
  orderId: ObjectId,
  shipment: Shipment,
  adminId: string,
  log: FastifyBaseLogger,
): Promise<OrderDoc> {
  const outcome = await runAction(deps, log, () =>
    shipOrder({ database: deps.database, stripe: deps.stripe, log }, orderId, shipment, adminBy(adminId)),
  );
  return outcome.order ?? findOrder(deps, orderId);
}

export async function deliverFromDesk(
  deps: AppDependencies,
  orderId: ObjectId,
  adminId: string,
  log: FastifyBaseLogger,
  note?: string,
): Promise<OrderDoc> {
  const outcome = await runAction(deps, log, () =>
    completeFulfilment({ database: deps.database, stripe: deps.stripe, log }, orderId, 'delivered', adminBy(adminId), note),
  );
  return outcome.order ?? findOrder(deps, orderId);
}

/**
 * A full or partial refund of a paid order through Stripe (the same path as a customer's cancel
 * and an out-of-stock refund). `idempotencyKey` makes a retried request one Stripe refund.
 */
export async function refundFromDesk(
  deps: AppDependencies,
  order: OrderDoc,
  body: RefundBody,
  adminId: string,
  idempotencyKey: string | undefined,
  log: FastifyBaseLogger,
): Promise<{ order: OrderDoc; stockChanged: string[] }> {
  if (order.status !== 'paid') {
    throw new HttpError(409, 'INVALID_STATE', `An order that is ${order.status} cannot be refunded`);
  }
  const outcome = await runAction(deps, log, () =>
    refundOrder({ database: deps.database, stripe: deps.stripe, log }, order, {
      reason: body.reason,
      restock: body.restock,
      from: ['paid'],
      by: adminBy(adminId),
      ...(body.amount === undefined ? {} : { amount: body.amount }),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    }),
  );
  return {
    order: outcome.order ?? (await findOrder(deps, order._id)),
    stockChanged: outcome.stockChanged.map((id) => id.toHexString()),
  };
}

