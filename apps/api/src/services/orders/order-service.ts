import { emailJobId, ObjectId, recordEmail, type OrderDoc } from '@simple-shop/db';
import { createOrder, endUnpaidOrder, OrderError, type OrderLineRequest } from '@simple-shop/orders';
import { refundOrder } from '@simple-shop/payments';
import type { AppDependencies } from '../../deps';
import { HttpError, notFound } from '../../lib/http-error';

/** Domain failures become the contract's 4xx answers. */
export function toHttpError(error: unknown): unknown {
  if (!(error instanceof OrderError)) return error;
  switch (error.code) {
    case 'PRODUCT_NOT_FOUND':
    case 'ORDER_NOT_FOUND':
      return new HttpError(404, error.code, error.message, error.details);
    case 'EMPTY_ORDER':
      return new HttpError(400, error.code, error.message, error.details);
    default:
      return new HttpError(409, error.code, error.message, error.details);
  }
}

export async function placeOrder(deps: AppDependencies, userId: string, lines: OrderLineRequest[]): Promise<OrderDoc> {
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

function isSessionNotOpen(error: unknown): boolean {
  const e = error as { type?: string; statusCode?: number };
  return e?.type === 'StripeInvalidRequestError' && e.statusCode === 400;
}

/**
 * Cancel per the state machine: an unpaid order has its Checkout Session expired first (so it
 * can no longer be paid) and then its stock released; a paid order is refunded through Stripe
 * and its units restocked; a cancelled order is returned as is (cancel is idempotent).
 */
export async function cancelOrder(deps: AppDependencies, order: OrderDoc): Promise<OrderDoc> {
  const { database, stripe } = deps;
  if (order.status === 'cancelled' || order.status === 'refunded') return order;

  if (order.status === 'pending_payment') {
    if (order.checkoutSessionId && stripe) {
      try {
        await stripe.checkout.sessions.expire(order.checkoutSessionId);
      } catch (error) {
        if (!isSessionNotOpen(error)) throw error;
        const session = await stripe.checkout.sessions.retrieve(order.checkoutSessionId);
        if (session.status === 'complete') {
          throw new HttpError(
            409,
            'PAYMENT_IN_PROGRESS',
            'This order has just been paid; cancel it again to refund it',
          );
        }
      }
    }
    const ended = await endUnpaidOrder(database, order._id, 'cancelled', 'cancelled by customer');
    if (ended) return ended.order;
    const current = await database.collections.orders.findOne({ _id: order._id });
    if (current?.status === 'cancelled') return current;
    throw new HttpError(409, 'INVALID_STATE', `Order is ${current?.status ?? 'gone'} and cannot be cancelled`);
  }

  if (order.status === 'paid') {
    if (!stripe) throw new HttpError(503, 'PAYMENTS_DISABLED', 'Payments are not configured');
    const reason = 'cancelled by customer after payment';
    let outboxId: string | null = null;
    const { order: refunded } = await refundOrder(database, stripe, order, {
      reason,
      restock: true,
      from: ['paid'],
      // The customer's refund email commits with the refund (one per order).
      inTransaction: async (session, updated, refundId) => {
        const user = await database.collections.users.findOne({ _id: updated.userId }, { session });
        if (!user) return;
        outboxId = await recordEmail(
          database.collections,
          {
            kind: 'order_refunded',
            subjectId: updated._id.toHexString(),
            to: user.email,
            subject: 'Order refunded',
            data: {
              name: user.name,
              orderId: updated._id.toHexString(),
              items: updated.items.map((i) => ({ name: i.name, quantity: i.quantity, unitPrice: i.unitPrice })),
              total: updated.total,
              currency: updated.currency,
              reason,
              refundId,
            },
          },
          session,
        );
      },
    });
    if (outboxId) {
      await deps.queues.emails.add('send', { outboxId }, { jobId: emailJobId(outboxId) }).catch(() => undefined); // reconciliation queues it if Redis is down
    }
    if (refunded) return refunded;
    const current = await database.collections.orders.findOne({ _id: order._id });
    if (current) return current;
  }

  throw new HttpError(409, 'INVALID_STATE', `An order that is ${order.status} cannot be cancelled`);
}
