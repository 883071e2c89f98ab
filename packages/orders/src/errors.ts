import type { ShortLine } from './inventory/reservations';

/** Domain failures of order and stock operations; the API maps them to 4xx answers. */
export class OrderError extends Error {
  override name = 'OrderError';
  constructor(
    readonly code:
      | 'EMPTY_ORDER'
      | 'PRODUCT_NOT_FOUND'
      | 'PRODUCT_UNAVAILABLE'
      | 'CURRENCY_MISMATCH'
      | 'INSUFFICIENT_STOCK'
      | 'INVALID_STATE'
      | 'STALE_STOCK'
      | 'STOCK_RESERVED',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export class InsufficientStockError extends OrderError {
  constructor(readonly short: ShortLine[]) {
    super('INSUFFICIENT_STOCK', `Not enough stock for ${short.map((s) => s.productId).join(', ')}`, { items: short });
  }
}
