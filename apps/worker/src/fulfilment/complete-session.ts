import { payOrder, type PaymentOutcome } from '@simple-shop/order-outcomes';
import type { Stripe } from '@simple-shop/payments';
import { followUp, outcomeDeps, type FulfilmentContext } from './context';

/** A paid Checkout Session, from a webhook or a session check: the payment outcome plus metrics. */
export async function completeSession(ctx: FulfilmentContext, session: Stripe.Checkout.Session): Promise<PaymentOutcome> {
  const outcome = await payOrder(outcomeDeps(ctx), session);
  switch (outcome.outcome) {
    case 'paid':
      ctx.metrics.paymentsTotal.inc({ outcome: 'succeeded' });
      ctx.metrics.paymentsSuccess.inc();
      break;
    case 'amount_mismatch':
      if (outcome.order) ctx.metrics.paymentsTotal.inc({ outcome: 'amount_mismatch' });
      break;
    case 'refunded_out_of_stock':
      ctx.metrics.paymentsTotal.inc({ outcome: 'refunded_out_of_stock' });
      break;
  }
  return followUp(ctx, outcome);
}
