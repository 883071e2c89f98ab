export { createOrder, type CreateOrderInput, type OrderLineRequest } from './create-order';
export { OrderError, InsufficientStockError } from './errors';
export { takeHolds, releaseHolds, consumeHolds, type HoldLine, type ShortLine } from './holds';
export { moveOrder, endUnpaidOrder, releaseStaleHolds, type UnpaidEnd } from './transitions';
