import type { ClientSession, ObjectId } from 'mongodb';
import type { Database, InventoryAdjustmentDoc, ProductDoc } from '@simple-shop/db';

/**
 * Stock changes that are not reservations: an admin sets units on hand or applies a delta, and a
 * refund puts units back. Each is an audit record in `inventory-adjustments` first, then applied
 * to the product with `$inc` (so it never erases a concurrent reservation), exactly once: the
 * product update also sets the marker `applied.<adjustmentId>` and requires it absent. The record
 * is then marked applied; reconciliation finishes a crash in between.
 *
 * The marker stays on the product for `APPLIED_MARKER_RETENTION_MS` after the record is marked, and
 * only reconciliation removes it (`clearAppliedMarker`). It is the only thing that makes a second
 * apply a no-op: two appliers (the refund's own process and reconciliation, or two deliveries) can
 * both read the record as pending, and if the first removed the marker as soon as it had marked
 * the record, the second one's update would find no marker and add the units again.
 */
export const APPLIED_MARKER_RETENTION_MS = 15 * 60_000;

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
    // The applier whose update moved the product has the last word: another that found too little
    // stock a moment earlier may have written `rejected` first.
    { _id: id, status: moved.modifiedCount === 1 ? { $in: ['pending', 'rejected'] } : 'pending' },
    {
      $set: {
        status: applied ? 'applied' : 'rejected',
        ...(applied ? { appliedAt: new Date() } : {}),
        ...(before && moved.modifiedCount === 1 ? { onHandBefore: onHandOf(before) } : {}),
        ...(after && moved.modifiedCount === 1 ? { onHandAfter: onHandOf(after) } : {}),
      },
    },
  );
  return inventoryAdjustments.findOne({ _id: id });
}

/**
 * Reconciliation's care of an `applied` marker: a pending record behind it is finished (a crash
 * after the product update); a marker whose record was marked applied more than the retention ago
 * (or has no record) is removed. True when something changed.
 */
export async function clearAppliedMarker(
  database: Database,
  productId: ObjectId,
  id: string,
  now = new Date(),
): Promise<boolean> {
  const record = await database.collections.inventoryAdjustments.findOne({ _id: id });
  if (record?.status === 'pending') {
    await applyAdjustment(database, id);
    return true;
  }
  const markedAt = record?.appliedAt?.getTime() ?? 0;
  if (record && now.getTime() - markedAt < APPLIED_MARKER_RETENTION_MS) return false;
  const result = await database.collections.products.updateOne(
    { _id: productId, [`applied.${id}`]: { $exists: true } },
    { $unset: { [`applied.${id}`]: '' } },
  );
  return result.modifiedCount === 1;
}
