import type { ClientSession, Collection, ObjectId } from 'mongodb';
import type { ProductDoc } from '@simple-shop/db';

/**
 * Stock holds live on the product document (`holds.<orderId>` = units) and move together with
 * `stock` in one guarded single-document update. That is MongoDB's recommended inventory
 * pattern: concurrent buyers can never hold more than exists, and because each hold is keyed by
 * its order, taking, releasing or consuming it twice is a no-op — a hold ends exactly once.
 */
export interface HoldLine {
  productId: ObjectId;
  quantity: number;
}

export interface ShortLine {
  productId: string;
  requested: number;
  available: number;
}

const holdPath = (orderId: ObjectId) => `holds.${orderId.toHexString()}`;

/**
 * Takes every line or none: if one line cannot be held, the lines already taken are released
 * and the short lines are reported with what is available now.
 */
export async function takeHolds(
  products: Collection<ProductDoc>,
  orderId: ObjectId,
  lines: readonly HoldLine[],
): Promise<{ ok: true } | { ok: false; short: ShortLine[] }> {
  const path = holdPath(orderId);
  const results = await Promise.all(
    lines.map((line) =>
      products.updateOne(
        { _id: line.productId, active: true, stock: { $gte: line.quantity }, [path]: { $exists: false } },
        { $inc: { stock: -line.quantity }, $set: { [path]: line.quantity, updatedAt: new Date() } },
      ),
    ),
  );
  const failed = lines.filter((_, i) => results[i]?.modifiedCount !== 1);
  if (failed.length === 0) return { ok: true };

  await releaseHolds(products, orderId, lines);
  const current = await products.find({ _id: { $in: failed.map((l) => l.productId) } }).toArray();
  const short = failed.map((line) => {
    const doc = current.find((p) => p._id.equals(line.productId));
    return {
      productId: line.productId.toHexString(),
      requested: line.quantity,
      available: doc && doc.active ? doc.stock : 0,
    };
  });
  return { ok: false, short };
}

/** Gives held units back to stock. Lines without a hold for this order are left alone. */
export async function releaseHolds(
  products: Collection<ProductDoc>,
  orderId: ObjectId,
  lines: readonly HoldLine[],
  session?: ClientSession,
): Promise<number> {
  const path = holdPath(orderId);
  let released = 0;
  for (const line of lines) {
    const result = await products.updateOne(
      { _id: line.productId, [path]: line.quantity },
      { $inc: { stock: line.quantity }, $unset: { [path]: '' }, $set: { updatedAt: new Date() } },
      session ? { session } : {},
    );
    released += result.modifiedCount;
  }
  return released;
}

/**
 * Turns the order's holds into a sale. A line whose hold has lapsed (the order expired and was
 * released) is taken from stock again if it is there. Returns the lines that could not be had;
 * the caller aborts its transaction when that list is not empty.
 */
export async function consumeHolds(
  products: Collection<ProductDoc>,
  orderId: ObjectId,
  lines: readonly HoldLine[],
  session: ClientSession,
): Promise<HoldLine[]> {
  const path = holdPath(orderId);
  const missing: HoldLine[] = [];
  for (const line of lines) {
    const consumed = await products.updateOne(
      { _id: line.productId, [path]: line.quantity },
      { $unset: { [path]: '' }, $set: { updatedAt: new Date() } },
      { session },
    );
    if (consumed.modifiedCount === 1) continue;
    const retaken = await products.updateOne(
      { _id: line.productId, stock: { $gte: line.quantity } },
      { $inc: { stock: -line.quantity }, $set: { updatedAt: new Date() } },
      { session },
    );
    if (retaken.modifiedCount !== 1) missing.push(line);
  }
  return missing;
}
