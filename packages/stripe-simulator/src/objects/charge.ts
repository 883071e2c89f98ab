// Charges of a PaymentIntent: a card (settles at once) or a US bank account debit (pending for
// days, then succeeds or fails). Values follow Stripe's test-mode card 4242 and test bank account.
import { newId, nowSeconds } from '../ids';
import type { Charge, PaymentIntent } from '../types';

export type PaymentMethodKind = 'card' | 'us_bank_account';

const APPROVED: NonNullable<Charge['outcome']> = {
  advice_code: null,
  network_advice_code: null,
  network_decline_code: null,
  network_status: 'approved_by_network',
  reason: null,
  risk_level: 'normal',
  risk_score: 32,
  seller_message: 'Payment complete.',
  type: 'authorized',
};

export const DECLINED: NonNullable<Charge['outcome']> = {
  advice_code: 'try_again_later',
  network_advice_code: null,
  network_decline_code: null,
  network_status: 'declined_by_network',
  reason: 'generic_decline',
  risk_level: 'normal',
  risk_score: 32,
  seller_message: 'The bank did not return any further details with this decline.',
  type: 'issuer_declined',
};

function paymentMethodDetails(kind: PaymentMethodKind, amount: number): Charge['payment_method_details'] {
  if (kind === 'us_bank_account') {
    return {
      type: 'us_bank_account',
      us_bank_account: {
        account_holder_type: 'individual',
        account_type: 'checking',
        bank_name: 'STRIPE TEST BANK',
        fingerprint: 'simFingerprintBank',
        last4: '6789',
        payment_reference: null,
        routing_number: '110000000',
      },
    } satisfies Charge['payment_method_details'];
  }
  return {
    type: 'card',
    card: {
      amount_authorized: amount,
      authorization_code: null,
      brand: 'visa',
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      electronic_commerce_indicator: null,
      exp_month: 12,
      exp_year: 2034,
      fingerprint: 'simFingerprintCard',
      funding: 'credit',
      installments: null,
      last4: '4242',
      mandate: null,
      network: 'visa',
      network_transaction_id: null,
      regulated_status: 'unregulated',
      three_d_secure: null,
      transaction_link_id: null,
      wallet: null,
    },
  } satisfies Charge['payment_method_details'];
}

/** A new charge of `pi`; `pending` for bank debits, `succeeded`/`failed` for cards. */
export function buildCharge(args: {
  pi: PaymentIntent;
  status: Charge['status'];
  kind: PaymentMethodKind;
  paymentMethod: string;
  billingEmail: string | null;
}): Charge {
  const { pi, status, kind } = args;
  const succeeded = status === 'succeeded';
  return {
    id: newId(kind === 'card' ? 'ch' : 'py'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: succeeded ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: succeeded ? newId('txn') : null,
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: args.billingEmail,
      name: 'Simulated Shopper',
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'SIMPLE SHOP',
    captured: succeeded,
    created: nowSeconds(),
    currency: pi.currency,
    customer: typeof pi.customer === 'string' ? pi.customer : null,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    // Stripe copies the PaymentIntent's metadata to each charge when the charge is created.
    metadata: { ...pi.metadata },
    on_behalf_of: null,
    outcome: status === 'failed' ? DECLINED : APPROVED,
    paid: succeeded,
    payment_intent: pi.id,
    payment_method: args.paymentMethod,
    payment_method_details: paymentMethodDetails(kind, pi.amount),
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status,
    transfer_data: null,
    transfer_group: null,
  } satisfies Charge;
}
