import { ObjectId } from 'mongodb';
import { RETIRED_INDEXES, type Database, type ProductDoc } from '@simple-shop/db';
import { HOLDS_NO_STOCK } from '../transitions';
import { reservationId, settleReservations } from '../inventory/reservations';
import type { OrderStatus } from '@simple-shop/domain';

export interface MigrationReport {
  productsScanned: number;
  holdsConverted: number;
  reservedInitialised: number;
  indexesDropped: number;
}

const LEGACY_HOLD = /^[0-9a-f]{24}$/;

/**
 * From the first inventory model (holds keyed by order id on the product, no `reserved` counter)
 * to reservations. Idempotent: every step is guarded, so running it again, or after a crash, or
 * while the shop runs, changes nothing it already changed.
 * 1. Each legacy hold `holds.<orderId>` becomes the reservation `<orderId>-<productId>-1`: the
 *    product's marker is renamed and `reserved` counted up in one guarded update, then the
 *    reservation record is written: held, or released and settled at once (units back on sale)
 *    if its order already ended. A crash between the two leaves a marker without a record,
 *    which reconciliation adopts.
 * 2. Products without `reserved` get `reserved: 0`.
 * 3. Indexes replaced by longer ones are dropped.
 */
export async function migrateInventoryToReservations(database: Database): Promise<MigrationReport> {
  const { products, orders, reservations } = database.collections;
  const report: MigrationReport = { productsScanned: 0, holdsConverted: 0, reservedInitialised: 0, indexesDropped: 0 };
  let after: ObjectId | undefined;
  for (;;) {
    const page: ProductDoc[] = await products
      .find(after ? { _id: { $gt: after } } : {})
      .sort({ _id: 1 })
      .limit(500)
      .toArray();
    if (page.length === 0) break;
    for (const product of page) {
      report.productsScanned += 1;
      for (const [key, quantity] of Object.entries(product.holds ?? {})) {
        if (!LEGACY_HOLD.test(key)) continue;
        const orderId = new ObjectId(key);
        const id = reservationId(orderId, product._id);
        const moved = await products.updateOne(
          { _id: product._id, [`holds.${key}`]: quantity },
          { $unset: { [`holds.${key}`]: '' }, $set: { [`holds.${id}`]: quantity }, $inc: { reserved: quantity } },
        );
        const order = await orders.findOne({ _id: orderId });
        const ended = order !== null && HOLDS_NO_STOCK.includes(order.status as OrderStatus);
        const now = new Date();
        await reservations.updateOne(
          { _id: id },
          {
            $setOnInsert: {
              orderId,
              productId: product._id,
              quantity,
              status: ended ? 'released' : 'held',
              settled: false,
              createdAt: now,
              updatedAt: now,
            },
          },
          { upsert: true },
        );
        report.holdsConverted += moved.modifiedCount;
        if (ended) await settleReservations(database, orderId);
      }
    }
    after = page.at(-1)!._id;
  }
  const initialised = await products.updateMany({ reserved: { $exists: false } }, { $set: { reserved: 0 } });
  report.reservedInitialised = initialised.modifiedCount;
  for (const [collection, names] of Object.entries(RETIRED_INDEXES)) {
    for (const name of names) {
      try {
        await database.db.collection(collection).dropIndex(name);
        report.indexesDropped += 1;
      } catch {
        // Already gone (or a server that cannot drop indexes): nothing to do.
      }
    }
  }
  return report;
}
