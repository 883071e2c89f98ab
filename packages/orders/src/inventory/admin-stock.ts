import { ObjectId } from 'mongodb';
import type { Database, InventoryAdjustmentDoc } from '@simple-shop/db';
import { OrderError } from '../errors';
import { applyAdjustment, onHandOf, recordAdjustment } from './adjustments';

export interface StockChange {
  /** The admin's user id (kept on the audit record). */
  by: string;
  reason: string;
}

export type StockRequest =
  | (StockChange & { onHand: number; expectedOnHand?: number })
  | (StockChange & { delta: number })
  | (StockChange & { available: number });

export interface InventoryLevels {
  onHand: number;
  reserved: number;
  available: number;
}

/**
 * An admin's stock change, as a delta applied with `$inc`: it never erases units that shoppers
 * hold. Three ways to say it:
 * - `onHand` (optionally with `expectedOnHand`, the value the admin saw; a stale one is a 409),
 * - `delta` (received or lost units),
 * - `available` (the legacy `stock` of `PUT /api/admin/products/:id`: what shoppers may buy now).
 * Every change is an audit record. Returns the record and the product's levels after it.
 */
export async function changeStock(
  database: Database,
  productId: ObjectId,
  request: StockRequest,
): Promise<{ adjustment: InventoryAdjustmentDoc; levels: InventoryLevels }> {
  const product = await database.collections.products.findOne({ _id: productId, deletedAt: { $exists: false } });
  if (!product) throw new OrderError('PRODUCT_NOT_FOUND', `Product ${productId.toHexString()} not found`);
  const onHand = onHandOf(product);
  let delta: number;
  let kind: InventoryAdjustmentDoc['kind'] = 'delta';
  if ('onHand' in request) {
    if (request.expectedOnHand !== undefined && request.expectedOnHand !== onHand) {
      throw new OrderError('STALE_STOCK', `On-hand stock is ${onHand}, not ${request.expectedOnHand}`, {
        onHand,
        expectedOnHand: request.expectedOnHand,
      });
    }
    delta = request.onHand - onHand;
    kind = 'set_on_hand';
  } else if ('delta' in request) {
    delta = request.delta;
  } else {
    delta = request.available - product.stock;
  }
  const id = new ObjectId().toHexString();
  await recordAdjustment(database, { _id: id, productId, delta, kind, reason: request.reason, by: request.by });
  const adjustment = await applyAdjustment(database, id);
  if (!adjustment || adjustment.status === 'rejected') {
    throw new OrderError('STOCK_RESERVED', 'That change would take stock that shoppers have reserved', {
      reserved: product.reserved ?? 0,
      available: product.stock,
      delta,
    });
  }
  const after = await database.collections.products.findOne({ _id: productId });
  return { adjustment, levels: levelsOf(after ?? product) };
}

export function levelsOf(product: { stock: number; reserved?: number }): InventoryLevels {
  return { onHand: onHandOf(product), reserved: product.reserved ?? 0, available: product.stock };
}
