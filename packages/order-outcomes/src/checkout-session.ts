import type { Stripe } from '@simple-shop/payments';

/**
 * - `closed`: it was open and is now expired: nobody can pay it any more;
 * - `paid`: the customer paid (the completion path must run);
 * - `processing`: complete, but a delayed payment (bank transfer) has not succeeded or failed yet;
 * - `expired`: it had already expired unpaid.
 */
export type SessionClose = 'closed' | 'paid' | 'processing' | 'expired';

/** Stripe's answer to expiring a session that is no longer open (complete or already expired). */
const isNotOpen = (error: unknown) => {
  const e = error as { type?: string; statusCode?: number };
  return e?.type === 'StripeInvalidRequestError' && e.statusCode === 400;
};

/**
 * Closes an order's Checkout Session so it can no longer be paid, or finds out why it cannot be
 * closed. The one place that reads a session's state for cancel and expiry (the API's cancel and
 * the worker's reconciliation): "paid" is `payment_status === 'paid'`. Other Stripe errors throw.
 */
export async function closeSessionOrFindPaid(stripe: Stripe, sessionId: string): Promise<SessionClose> {
  try {
    await stripe.checkout.sessions.expire(sessionId);
    return 'closed';
  } catch (error) {
    if (!isNotOpen(error)) throw error;
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    if (session.payment_status === 'paid') return 'paid';
    return session.status === 'complete' ? 'processing' : 'expired';
  }
}
