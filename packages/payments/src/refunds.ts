/** The key that makes "refund this order" one Stripe refund however often it is retried. */
export function refundIdempotencyKey(orderId: string): string {
  return `order-${orderId}-refund`;
}
