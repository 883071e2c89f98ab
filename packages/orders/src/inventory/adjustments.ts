import type { ClientSession, ObjectId } from 'mongodb';
import type { Database, InventoryAdjustmentDoc, ProductDoc } from '@simple-shop/db';

/**
 * Stock changes that are not reservations: an admin sets units on hand or applies a delta, and a
 * refund puts units back. Each is an audit record in `inventory-adjustments` first, then applied
 * to the product with `$inc` (so it never erases a concurrent reservation), exactly once: the
 * product update also sets the marker `applied.<adjustmentId>` and requires it absent. The record
 * is then marked applied and the marker removed; reconciliation finishes a crash in between.
 */
export type AdjustmentInput = Pick<InventoryAdjustmentDoc, '_id' | 'productId' | 'delta' | 'kind' | 'reason' | 'by'> & {
  orderId?: ObjectId;
};

export const onHandOf = (product: Pick<ProductDoc, 'stock' | 'reserved'>) => product.stock + (product.reserved ?? 0);

/** Records an adjustment as pending (inside the caller's transaction when given). Idempotent by id. */
export async function recordAdjustment(
  database: Database,
  input: AdjustmentInput,
  session?: ClientSession,
): Promise<void> {
  const doc: Omit<InventoryAdjustmentDoc, '_id'> = {
    productId: input.productId,
    delta: input.delta,
    kind: input.kind,
    reason: input.reason,
    by: input.by,
    ...(input.orderId ? { orderId: input.orderId } : {}),
    status: 'pending',
    createdAt: new Date(),
  };
  await database.collections.inventoryAdjustments.updateOne(
    { _id: input._id },
    { $setOnInsert: doc },
    { upsert: true, ...(session ? { session } : {}) },
  );
}

/**
 * Applies a pending adjustment to its product, once. A negative delta is refused (the record
 * becomes `rejected`) when it would take available stock below zero: reserved units belong to
 * shoppers. Returns the record as it ends up.
 */
export async function applyAdjustment(database: Database, id: string): Promise<InventoryAdjustmentDoc | null> {
  const { products, inventoryAdjustments } = database.collections;
  const adjustment = await inventoryAdjustments.findOne({ _id: id });
  if (!adjustment || adjustment.status !== 'pending') return adjustment;
  const marker = `applied.${id}`;
  const before = await products.findOne({ _id: adjustment.productId });
  const moved = await products.updateOne(
    {
      _id: adjustment.productId,
      [marker]: { $exists: false },
      ...(adjustment.delta < 0 ? { stock: { $gte: -adjustment.delta } } : {}),
    },
    { $inc: { stock: adjustment.delta }, $set: { [marker]: adjustment.delta, updatedAt: new Date() } },
  );
  const after = await products.findOne({ _id: adjustment.productId });
  const applied = moved.modifiedCount === 1 || (after?.applied?.[id] ?? null) !== null;
  await inventoryAdjustments.updateOne(
    { _id: id, status: 'pending' },
    {
      $set: {
        status: applied ? 'applied' : 'rejected',
        ...(applied ? { appliedAt: new Date() } : {}),
        ...(before && moved.modifiedCount === 1 ? { onHandBefore: onHandOf(before) } : {}),
        ...(after && moved.modifiedCount === 1 ? { onHandAfter: onHandOf(after) } : {}),
      },
    },
  );
  if (applied) await products.updateOne({ _id: adjustment.productId, [marker]: { $exists: true } }, { $unset: { [marker]: '' } });
  return inventoryAdjustments.findOne({ _id: id });
}

/** Removes an `applied` marker whose record is no longer pending (a crash after marking it). */
export async function clearAppliedMarker(database: Database, productId: ObjectId, id: string): Promise<boolean> {
  const record = await database.collections.inventoryAdjustments.findOne({ _id: id });
  if (record?.status === 'pending') {
    await applyAdjustment(database, id);
    return true;
  }
  const result = await database.collections.products.updateOne(
    { _id: productId, [`applied.${id}`]: { $exists: true } },
    { $unset: { [`applied.${id}`]: '' } },
  );
  return result.modifiedCount === 1;
}
