export { createOrder, type CreateOrderInput, type OrderLineRequest } from './create-order';
export { OrderError, InsufficientStockError } from './errors';
export {
  reservationId,
  orderHexOfReservation,
  reserveStock,
  reserveMissing,
  consumeReservations,
  releaseReservations,
  settleReservations,
  settleReservation,
  resolveOrphanHold,
  type ReserveLine,
  type ShortLine,
} from './inventory/reservations';
export { recordAdjustment, applyAdjustment, clearAppliedMarker, onHandOf, type AdjustmentInput } from './inventory/adjustments';
export { changeStock, levelsOf, type StockRequest, type InventoryLevels } from './inventory/admin-stock';
export { moveOrder, endUnpaidOrder, HOLDS_NO_STOCK, type UnpaidEnd } from './transitions';
export { migrateInventoryToReservations, type MigrationReport } from './migrations/inventory-reservations';
export { moveFulfilment, fulfilmentStatusOf } from './fulfilment';
