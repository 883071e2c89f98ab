import { ObjectId } from '@simple-shop/db';
import { isHandledEventType, type Stripe } from '@simple-shop/payments';
import { chargeRefunded } from './charge-refunded';
import { completeCheckout, orderIdOf } from './complete-checkout';
import type { FulfilmentContext } from './context';
import { expireOrder, failPayment } from './end-unpaid';

/** What processing an event did, recorded on the event and counted. */
export type EventOutcome = string;

/** Routes one verified Stripe event to its fulfilment step; unknown types are ignored. */
export async function handleStripeEvent(
  ctx: FulfilmentContext,
  event: Stripe.Event,
): Promise<{ ignored: boolean; outcome: EventOutcome }> {
  if (!isHandledEventType(event.type)) return { ignored: true, outcome: 'ignored' };
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object as Stripe.Checkout.Session;
      return { ignored: false, outcome: await completeCheckout(ctx, session) };
    }
    case 'checkout.session.async_payment_failed': {
      const session = event.data.object as Stripe.Checkout.Session;
      return { ignored: false, outcome: await failPayment(ctx, orderIdOf(session), 'the bank transfer failed') };
    }
    case 'checkout.session.expired': {
      const session = event.data.object as Stripe.Checkout.Session;
      return { ignored: false, outcome: await expireOrder(ctx, orderIdOf(session), session.id) };
    }
    case 'payment_intent.payment_failed': {
      const intent = event.data.object as Stripe.PaymentIntent;
      const ref = intent.metadata?.orderId;
      if (!ref || !/^[0-9a-f]{24}$/i.test(ref)) return { ignored: true, outcome: 'no_order_reference' };
      const reason = intent.last_payment_error?.message ?? 'the payment was declined';
      return { ignored: false, outcome: await failPayment(ctx, new ObjectId(ref), reason) };
    }
    case 'charge.refunded':
      return { ignored: false, outcome: await chargeRefunded(ctx, event.data.object as Stripe.Charge) };
  }
}
