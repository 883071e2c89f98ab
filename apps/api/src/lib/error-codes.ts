/**
 * Every `error.code` the API can answer with, in one list. `HttpError` only takes one of these
 * (so a new code is added here or `pnpm typecheck` fails), and `error-codes.test.ts` fails when a
 * code in this list is not asserted by any test.
 */
export const API_ERROR_CODES = [
  // Requests the API cannot read or accept.
  'BAD_REQUEST',
  'VALIDATION_ERROR',
  'INVALID_ID',
  'INVALID_CURSOR',
  'INVALID_IDEMPOTENCY_KEY',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNPROCESSABLE_ENTITY',
  'RATE_LIMITED',
  // Accounts and access.
  'UNAUTHORIZED',
  'FORBIDDEN',
  'EMAIL_TAKEN',
  'INVALID_CREDENTIALS',
  'INVALID_REFRESH_TOKEN',
  'INVALID_RESET_TOKEN',
  // Catalog and stock.
  'PRODUCT_NOT_FOUND',
  'PRODUCT_UNAVAILABLE',
  'CONCURRENT_UPDATE',
  'STALE_STOCK',
  'STOCK_RESERVED',
  'INSUFFICIENT_STOCK',
  // Cart.
  'CART_EMPTY',
  'CART_FULL',
  'CART_CONFLICT',
  'NOT_IN_CART',
  'QUANTITY_LIMIT',
  'CURRENCY_MISMATCH',
  // Orders, payments and refunds.
  'EMPTY_ORDER',
  'TOO_MANY_OPEN_ORDERS',
  'HOLD_LIMIT_REACHED',
  'INVALID_STATE',
  'ORDER_EXPIRED',
  'SESSION_NOT_OPEN',
  'PAYMENT_IN_PROGRESS',
  'PAYMENTS_DISABLED',
  'REFUND_TOO_LARGE',
  'IDEMPOTENCY_KEY_REUSED',
  'IDEMPOTENCY_IN_PROGRESS',
  // Webhooks.
  'WEBHOOKS_DISABLED',
  'INVALID_SIGNATURE',
  'ALREADY_RESOLVED',
  'REPLAY_PENDING',
  'REPLAY_IN_PROGRESS',
  'EVENT_NOT_STORED',
  'QUEUE_UNAVAILABLE',
  // The server side.
  'DATABASE_UNAVAILABLE',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
