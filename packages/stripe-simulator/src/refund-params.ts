// Validation of `POST /v1/refunds` (parameter level only; the business rules —
// amount left to refund, charge state — live in the simulation).
import { invalidParam } from './errors';
import { integerInRange, optionalEnum, optionalInteger, optionalString, readMetadata, rejectUnknown } from './form';
import type { Params } from './form';
import type { Metadata, RefundReason } from './types';

export interface RefundInput {
  paymentIntent: string | null;
  charge: string | null;
  /** null = everything that is still refundable. */
  amount: number | null;
  reason: RefundReason | null;
  metadata: Metadata;
}

const KNOWN_PARAMS = [
  'amount',
  'charge',
  'currency',
  'customer',
  'expand',
  'instructions_email',
  'metadata',
  'origin',
  'payment_intent',
  'reason',
  'refund_application_fee',
  'reverse_transfer',
];

export function parseRefundParams(params: Params): RefundInput {
  rejectUnknown(params, KNOWN_PARAMS);
  const paymentIntent = optionalString(params.payment_intent, 'payment_intent');
  const charge = optionalString(params.charge, 'charge');
  if (paymentIntent === null && charge === null) {
    throw invalidParam(
      'payment_intent',
      'One of the following params should be provided for this request: payment_intent or charge.',
      'parameter_missing',
    );
  }
  const rawAmount = optionalInteger(params.amount, 'amount');
  return {
    paymentIntent,
    charge,
    amount: rawAmount === null ? null : integerInRange(rawAmount, 'amount', 1, Number.MAX_SAFE_INTEGER),
    reason: optionalEnum(params.reason, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const),
    metadata: readMetadata(params.metadata, 'metadata'),
  };
}
