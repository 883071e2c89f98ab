import { ObjectId, type InventoryAdjustmentDoc, type ProductDoc } from '@simple-shop/db';
import { changeStock, levelsOf, type StockRequest } from '@simple-shop/orders';
import type { AppDependencies } from '../../deps';
import { HttpError, notFound } from '../../lib/http-error';
import type { StockAdjustment, StockChangeBody, StockLevels } from '../../schemas/inventory';
import type { AdminProductDto } from '../../schemas/products';
import { toHttpError } from '../orders/order-service';
import { catalogFor } from './index';
import { toProductDto } from './product-dto';

/**
 * Admin stock changes (the inventory model is in @simple-shop/orders): every change is a delta
 * with an audit record, so it never erases units that shoppers have reserved.
 */
export function toAdminProductDto(doc: ProductDoc): AdminProductDto {
  const levels = levelsOf(doc);
  return { ...toProductDto(doc), onHand: levels.onHand, reserved: levels.reserved };
}

function toAdjustmentDto(doc: InventoryAdjustmentDoc): StockAdjustment {
  return {
    id: doc._id,
    kind: doc.kind,
    delta: doc.delta,
    reason: doc.reason,
    by: doc.by,
    status: doc.status,
    ...(doc.onHandBefore !== undefined ? { onHandBefore: doc.onHandBefore } : {}),
    ...(doc.onHandAfter !== undefined ? { onHandAfter: doc.onHandAfter } : {}),
    ...(doc.orderId ? { orderId: doc.orderId.toHexString() } : {}),
    createdAt: doc.createdAt.toISOString(),
  };
}

export async function stockLevels(deps: AppDependencies, productId: ObjectId): Promise<StockLevels> {
  const product = await deps.database.collections.products.findOne({ _id: productId, deletedAt: { $exists: false } });
  if (!product) throw notFound('Product');
  const adjustments = await deps.database.collections.inventoryAdjustments
    .find({ productId })
    .sort({ createdAt: -1 })
    .limit(20)
    .toArray();
  return { productId: productId.toHexString(), ...levelsOf(product), adjustments: adjustments.map(toAdjustmentDto) };
}

/** Applies an admin's change and makes shoppers see it on their next read. */
export async function changeProductStock(
  deps: AppDependencies,
  productId: ObjectId,
  request: StockRequest,
): Promise<void> {
  try {
    await changeStock(deps.database, productId, request);
  } catch (error) {
    throw toHttpError(error);
  }
  await catalogFor(deps).invalidate([productId.toHexString()]);
}

export function stockRequestFromBody(body: StockChangeBody, by: string): StockRequest {
  if ((body.onHand === undefined) === (body.delta === undefined)) {
    throw new HttpError(400, 'VALIDATION_ERROR', 'Send exactly one of onHand or delta');
  }
  if (body.delta !== undefined) {
    if (body.expectedOnHand !== undefined) throw new HttpError(400, 'VALIDATION_ERROR', 'expectedOnHand goes with onHand');
    return { delta: body.delta, reason: body.reason, by };
  }
  return {
    onHand: body.onHand!,
    ...(body.expectedOnHand !== undefined ? { expectedOnHand: body.expectedOnHand } : {}),
    reason: body.reason,
    by,
  };
}

export async function adminProduct(deps: AppDependencies, productId: ObjectId): Promise<AdminProductDto> {
  const doc = await deps.database.collections.products.findOne({ _id: productId });
  if (!doc || doc.deletedAt) throw notFound('Product');
  return toAdminProductDto(doc);
}

export { ObjectId };
