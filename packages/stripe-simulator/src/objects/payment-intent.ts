// The PaymentIntent a Checkout Session creates at its first payment attempt.
import { newId, nowSeconds, randomToken } from '../ids';
import type { Metadata, PaymentIntent } from '../types';

export interface PaymentIntentArgs {
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  /** `payment_intent_data.metadata` of the session, and nothing else (Stripe does not copy session metadata). */
  metadata: Metadata;
  receiptEmail: string | null;
}

export function buildPaymentIntent(args: PaymentIntentArgs): PaymentIntent {
  const id = newId('pi');
  return {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: args.amount,
    amount_capturable: 0,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${randomToken(24)}`,
    confirmation_method: 'automatic',
    created: nowSeconds(),
    currency: args.currency,
    customer: args.customer,
    customer_account: null,
    description: args.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: { ...args.metadata },
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: cardOptions(),
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: args.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  } satisfies PaymentIntent;
}

export function cardOptions(): PaymentIntent['payment_method_options'] {
  return {
    card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
  } satisfies PaymentIntent['payment_method_options'];
}

export function bankTransferOptions(): PaymentIntent['payment_method_options'] {
  return {
    us_bank_account: { verification_method: 'automatic' },
  } satisfies PaymentIntent['payment_method_options'];
}
