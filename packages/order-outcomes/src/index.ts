export { result, PermanentOutcomeError, OutcomeConflictError, type OutcomeDeps, type OutcomeLog, type OutcomeResult } from './deps';
export { recordOrderEmail, type OrderEmailKind } from './order-emails';
export { closeSessionOrFindPaid, type SessionClose } from './checkout-session';
export { payOrder, orderIdOf, PAYABLE_FROM, ReservationLostError, type PaymentOutcome } from './pay-order';
export { expireOrder, expireOverdueOrder, failPayment, cancelOrder } from './end-unpaid';
export {
  refundOrder,
  recordStripeRefund,
  commitRefund,
  finishRefundStock,
  restockAdjustmentId,
  RefundTooLargeError,
  type RefundRequest,
  type RefundCommit,
} from './refund';
export { shipOrder, completeFulfilment, FulfilmentConflictError, OrderMissingError, type Shipment } from './fulfil';
