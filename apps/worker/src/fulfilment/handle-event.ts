import { ObjectId } from '@simple-shop/db';
import { expireOrder, failPayment, orderIdOf, recordStripeRefund } from '@simple-shop/order-outcomes';
import { isHandledEventType, type Stripe } from '@simple-shop/payments';
import { completeSession } from './complete-session';
import { followUp, outcomeDeps, type FulfilmentContext } from './context';

/** What processing an event did, recorded on the event and counted. */
export type EventOutcome = string;

/**
 * Routes one verified Stripe event to its order outcome (packages/order-outcomes) and does the
 * worker's follow-up (cache, emails, metrics). Unknown types are ignored.
 */
export async function handleStripeEvent(
  ctx: FulfilmentContext,
  event: Stripe.Event,
): Promise<{ ignored: boolean; outcome: EventOutcome }> {
  if (!isHandledEventType(event.type)) return { ignored: true, outcome: 'ignored' };
  const deps = outcomeDeps(ctx);
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object as Stripe.Checkout.Session;
      return { ignored: false, outcome: await completeSession(ctx, session) };
    }
    case 'checkout.session.async_payment_failed': {
      const session = event.data.object as Stripe.Checkout.Session;
      return { ignored: false, outcome: await failed(ctx, orderIdOf(session), 'the bank transfer failed') };
    }
    case 'checkout.session.expired': {
      const session = event.data.object as Stripe.Checkout.Session;
      return { ignored: false, outcome: await followUp(ctx, await expireOrder(deps, orderIdOf(session), session.id)) };
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object as Stripe.PaymentIntent;
      const ref = intent.metadata?.orderId;
      if (!ref || !/^[0-9a-f]{24}$/i.test(ref)) return { ignored: true, outcome: 'no_order_reference' };
      const reason = intent.last_payment_error?.message ?? 'the payment was declined';
      return { ignored: false, outcome: await failed(ctx, new ObjectId(ref), reason) };
    }
    case 'charge.refunded': {
      const charge = event.data.object as Stripe.Charge;
      return { ignored: false, outcome: await followUp(ctx, await recordStripeRefund(deps, charge)) };
    }
  }
}

async function failed(ctx: FulfilmentContext, orderId: ObjectId, reason: string): Promise<EventOutcome> {
  const outcome = await failPayment(outcomeDeps(ctx), orderId, reason);
  if (outcome.outcome === 'failed') ctx.metrics.paymentsTotal.inc({ outcome: 'failed' });
  return followUp(ctx, outcome);
}
