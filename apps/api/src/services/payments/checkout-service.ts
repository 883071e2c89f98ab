import { sessionJobId } from '@simple-shop/queue';
import type { OrderDoc } from '@simple-shop/db';
import { checkoutIdempotencyKey, checkoutSessionParams, sessionExpiry, shippingRateFor, type Stripe } from '@simple-shop/payments';
import type { AppDependencies } from '../../deps';
import { HttpError, notFound } from '../../lib/http-error';

export interface CheckoutSessionDto {
  sessionId: string;
  url: string;
  expiresAt: string;
}

export function requireStripe(deps: AppDependencies): Stripe {
  if (!deps.stripe) throw new HttpError(503, 'PAYMENTS_DISABLED', 'Payments are not configured on this server');
  return deps.stripe;
}

/**
 * Fixes the session expiry once per order (and stretches the order's own expiry to it, so the
 * stock stays held while the shopper can still pay). The shipping rate is fixed with it: the
 * payment's amount check compares against order total + this rate. Retries read the same values back.
 */
async function fixCheckoutTerms(
  deps: AppDependencies,
  order: OrderDoc,
  now: Date,
): Promise<{ expiresAt: Date; shippingAmount: number }> {
  if (order.checkoutExpiresAt) return { expiresAt: order.checkoutExpiresAt, shippingAmount: order.shippingAmount ?? 0 };
  const expiresAt = sessionExpiry(order.expiresAt, now);
  const orderExpiresAt = expiresAt > order.expiresAt ? expiresAt : order.expiresAt;
  const shippingAmount = shippingRateFor(deps.config.SHIPPING_RATES, order.currency);
  await deps.database.collections.orders.updateOne(
    { _id: order._id, status: 'pending_payment', checkoutExpiresAt: { $exists: false } },
    { $set: { checkoutExpiresAt: expiresAt, expiresAt: orderExpiresAt, shippingAmount, updatedAt: now } },
  );
  const fresh = await deps.database.collections.orders.findOne({ _id: order._id });
  if (!fresh?.checkoutExpiresAt) throw new HttpError(409, 'INVALID_STATE', 'Order is no longer awaiting payment');
  return { expiresAt: fresh.checkoutExpiresAt, shippingAmount: fresh.shippingAmount ?? 0 };
}

/**
 * One Checkout Session per order: an existing open one is returned; otherwise one is created with
 * an idempotency key derived from the order, so concurrent or retried calls get the same session.
 */
export async function openCheckout(deps: AppDependencies, order: OrderDoc): Promise<CheckoutSessionDto> {
  const stripe = requireStripe(deps);
  const now = new Date();
  if (order.status !== 'pending_payment') {
    throw new HttpError(409, 'INVALID_STATE', `Order is ${order.status}; only orders awaiting payment can be paid`);
  }
  if (order.expiresAt <= now) throw new HttpError(409, 'ORDER_EXPIRED', 'Order has expired; place a new one');

  const { payments, users, orders } = deps.database.collections;
  const existing = await payments.findOne({ orderId: order._id, status: 'open' }, { sort: { createdAt: -1 } });
  if (existing?.sessionUrl && existing.expiresAt && existing.expiresAt > now) {
    return { sessionId: existing.sessionId, url: existing.sessionUrl, expiresAt: existing.expiresAt.toISOString() };
  }

  const { expiresAt, shippingAmount } = await fixCheckoutTerms(deps, order, now);
  const user = await users.findOne({ _id: order.userId });
  const session = await stripe.checkout.sessions.create(
    checkoutSessionParams(order, {
      successUrl: deps.config.CHECKOUT_SUCCESS_URL,
      cancelUrl: deps.config.CHECKOUT_CANCEL_URL,
      expiresAt,
      ...(user ? { customerEmail: user.email } : {}),
      shippingCountries: deps.config.SHIPPING_COUNTRIES.split(','),
      shippingAmount,
    }),
    { idempotencyKey: checkoutIdempotencyKey(order._id.toHexString()) },
  );
  if (!session.url) throw new HttpError(409, 'SESSION_NOT_OPEN', 'The checkout session is no longer open');

  await payments.updateOne(
    { sessionId: session.id },
    {
      $setOnInsert: {
        orderId: order._id,
        userId: order.userId,
        provider: 'stripe',
        sessionId: session.id,
        sessionUrl: session.url,
        status: 'open',
        amount: session.amount_total ?? order.total,
        currency: session.currency ?? order.currency,
        expiresAt: new Date(session.expires_at * 1000),
        createdAt: now,
        updatedAt: now,
      },
    },
    { upsert: true },
  );
  await orders.updateOne({ _id: order._id }, { $set: { checkoutSessionId: session.id, updatedAt: now } });
  return { sessionId: session.id, url: session.url, expiresAt: new Date(session.expires_at * 1000).toISOString() };
}

/**
 * What Stripe says about a session of the caller's. When Stripe says paid and the order is not
 * yet, the order is handed to the worker's completion path (the same one webhooks use).
 */
export async function verifyCheckout(deps: AppDependencies, userId: string, sessionId: string, correlationId: string) {
  const stripe = requireStripe(deps);
  const payment = await deps.database.collections.payments.findOne({ sessionId });
  if (!payment || payment.userId.toHexString() !== userId) throw notFound('Checkout session');
  const order = await deps.database.collections.orders.findOne({ _id: payment.orderId });
  if (!order) throw notFound('Order');

  const session = await stripe.checkout.sessions.retrieve(sessionId);
  if (session.payment_status === 'paid' && order.status !== 'paid') {
    try {
      await deps.queues.stripeEvents.add(
        'complete-session',
        { kind: 'session', sessionId, correlationId },
        { jobId: sessionJobId(sessionId) },
      );
    } catch {
      // Redis unavailable: the webhook, or reconciliation's paid-session check, completes it.
    }
  }
  return {
    orderId: order._id.toHexString(),
    status: order.status,
    paymentStatus: session.payment_status,
    sessionStatus: session.status ?? 'open',
  };
}
