// A refund of a succeeded charge; card refunds succeed at once in test mode.
import { newId, nowSeconds } from '../ids';
import type { Charge, Metadata, Refund, RefundReason } from '../types';

export function buildRefund(args: {
  charge: Charge;
  paymentIntentId: string;
  amount: number;
  metadata: Metadata;
  reason: RefundReason | null;
}): Refund {
  const { charge } = args;
  return {
    id: newId('re'),
    object: 'refund',
    amount: args.amount,
    balance_transaction: newId('txn'),
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    customer: typeof charge.customer === 'string' ? charge.customer : null,
    customer_account: null,
    metadata: args.metadata,
    payment_intent: args.paymentIntentId,
    payment_method: charge.payment_method,
    reason: args.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  } satisfies Refund;
}
