import { randomInt } from 'node:crypto';
import { ObjectId, type ClientSession } from 'mongodb';
import type { Database, ProductDoc, ReservationDoc } from '@simple-shop/db';

/**
 * The inventory model: a product has units on hand, some reserved by open orders, and the rest
 * available (`stock`, what the catalog shows). `reservations` are the ledger, one per order line.
 *
 * Why two documents: the product is written by every shopper (placing an order reserves), so it
 * must never be written inside a transaction, where a concurrent write to it would restart the
 * whole transaction. The payment transaction therefore touches only the order's own reservation
 * records (`held` → `consumed`); the product's counters follow just after the commit ("settling").
 *
 * Exactly once without transactions: every change to a product's counters that belongs to a
 * reservation is one guarded single-document update that also adds or removes the reservation's
 * marker (`holds.<reservationId>`). Taking requires the marker absent, settling requires it
 * present, so repeating any step after a crash changes nothing. Reconciliation finishes whatever a
 * crash interrupted (see the worker's reconcile sweeps).
 */
export interface ReserveLine {
  productId: ObjectId;
  quantity: number;
}

export interface ShortLine {
  productId: string;
  requested: number;
  available: number;
}

export function reservationId(orderId: ObjectId, productId: ObjectId, attempt = 1): string {
  return `${orderId.toHexString()}-${productId.toHexString()}-${attempt}`;
}

/** The order id a reservation id (or a product's hold marker) belongs to, or null if malformed. */
export function orderHexOfReservation(id: string): string | null {
  const match = /^([0-9a-f]{24})-[0-9a-f]{24}-\d+$/.exec(id);
  return match ? match[1]! : null;
}

const holdPath = (id: string) => `holds.${id}`;

/** Takes units from available into reserved, marking the product; false if not enough is available. */
async function takeOnProduct(database: Database, id: string, line: ReserveLine): Promise<boolean> {
  const result = await database.collections.products.updateOne(
    { _id: line.productId, active: true, stock: { $gte: line.quantity }, [holdPath(id)]: { $exists: false } },
    {
      $inc: { stock: -line.quantity, reserved: line.quantity },
      $set: { [holdPath(id)]: line.quantity, updatedAt: new Date() },
    },
  );
  return result.modifiedCount === 1;
}

/**
 * Ends a reservation's effect on its product: a release gives the units back to available, a
 * consumption only drops them from reserved (they are sold). Guarded by the marker: once.
 */
async function settleOnProduct(
  database: Database,
  reservation: Pick<ReservationDoc, '_id' | 'productId' | 'quantity'>,
  release: boolean,
): Promise<boolean> {
  const q = reservation.quantity;
  const result = await database.collections.products.updateOne(
    { _id: reservation.productId, [holdPath(reservation._id)]: q },
    {
      $inc: release ? { stock: q, reserved: -q } : { reserved: -q },
      $unset: { [holdPath(reservation._id)]: '' },
      $set: { updatedAt: new Date() },
    },
  );
  return result.modifiedCount === 1;
}

/**
 * Reserves every line or none for an order (the guarded update is what prevents overselling).
 * On a short line the lines already taken are given back and the short ones are reported with
 * what is available now. The reservation records are written after the products: a crash in
 * between leaves markers without a record, which reconciliation adopts or releases.
 */
export async function reserveStock(
  database: Database,
  orderId: ObjectId,
  lines: readonly ReserveLine[],
  attempt = 1,
): Promise<{ ok: true; reservations: ReservationDoc[] } | { ok: false; short: ShortLine[] }> {
  const ids = lines.map((line) => reservationId(orderId, line.productId, attempt));
  const taken = await Promise.all(lines.map((line, i) => takeOnProduct(database, ids[i]!, line)));
  const now = new Date();
  const reservations: ReservationDoc[] = lines.map((line, i) => ({
    _id: ids[i]!,
    orderId,
    productId: line.productId,
    quantity: line.quantity,
    status: 'held',
    settled: false,
    createdAt: now,
    updatedAt: now,
  }));
  if (taken.every(Boolean)) {
    await database.collections.reservations.insertMany(reservations);
    return { ok: true, reservations };
  }

  await Promise.all(reservations.filter((_, i) => taken[i]).map((r) => settleOnProduct(database, r, true)));
  const failed = lines.filter((_, i) => !taken[i]);
  const current = await database.collections.products.find({ _id: { $in: failed.map((l) => l.productId) } }).toArray();
  const short = failed.map((line) => {
    const doc = current.find((p: ProductDoc) => p._id.equals(line.productId));
    return {
      productId: line.productId.toHexString(),
      requested: line.quantity,
      available: doc && doc.active && !doc.deletedAt ? doc.stock : 0,
    };
  });
  return { ok: false, short };
}

/**
 * Inside the payment transaction: the order's held reservations become sales. Writes only the
 * reservation records (never the product). Returns the lines that had no held reservation; the
 * caller must then abort, because the units are not (or no longer) set aside for this order.
 */
export async function consumeReservations(
  database: Database,
  orderId: ObjectId,
  lines: readonly ReserveLine[],
  session: ClientSession,
): Promise<ReserveLine[]> {
  const { reservations } = database.collections;
  const held = await reservations.find({ orderId, status: 'held' }, { session }).toArray();
  const missing: ReserveLine[] = [];
  for (const line of lines) {
    const reservation = held.find((r) => r.productId.equals(line.productId) && r.quantity === line.quantity);
    const consumed = reservation
      ? await reservations.updateOne(
          { _id: reservation._id, status: 'held' },
          { $set: { status: 'consumed', updatedAt: new Date() } },
          { session },
        )
      : null;
    if (consumed?.modifiedCount !== 1) missing.push(line);
  }
  return missing;
}

/**
 * A re-reservation's attempt number: later than every earlier one, and unique per call rather than
 * "last + 1". Two deliveries of one late payment read the same earlier reservations; with "last + 1"
 * they would reserve under one id, and the second would find the first's marker and report the
 * stock short (a refund although units were there), or, once the first was released, take units
 * under an id whose record already exists (a marker nothing ever settles).
 */
function nextAttempt(existing: readonly ReservationDoc[]): number {
  const last = Math.max(0, ...existing.map((r) => Number(r._id.split('-')[2] ?? 0)));
  return Math.max(last + 1, Date.now() * 1000 + randomInt(1000));
}

/**
 * The order's lines that have no held reservation (released after the order ended unpaid) are
 * reserved again, for a payment that arrived late. Returns the lines that could not be had.
 */
export async function reserveMissing(
  database: Database,
  orderId: ObjectId,
  lines: readonly ReserveLine[],
): Promise<{ short: ShortLine[]; retaken: ObjectId[] }> {
  const existing = await database.collections.reservations.find({ orderId }).toArray();
  const missing = lines.filter(
    (line) => !existing.some((r) => r.status !== 'released' && r.productId.equals(line.productId)),
  );
  if (missing.length === 0) return { short: [], retaken: [] };
  const result = await reserveStock(database, orderId, missing, nextAttempt(existing));
  if (!result.ok) return { short: result.short, retaken: [] };
  return { short: [], retaken: missing.map((l) => l.productId) };
}

/**
 * Releases the order's held reservations (it ended unpaid, or was refunded before its stock was
 * sold) and settles them. Each `held` → `released` move is a guarded single-document update, so
 * a concurrent payment transaction consuming the same reservation and this release cannot both
 * win. Returns the products whose available stock went up.
 */
export async function releaseReservations(database: Database, orderId: ObjectId): Promise<ObjectId[]> {
  const { reservations } = database.collections;
  const held = await reservations.find({ orderId, status: 'held' }).toArray();
  for (const reservation of held) {
    await reservations.updateOne(
      { _id: reservation._id, status: 'held' },
      { $set: { status: 'released', updatedAt: new Date() } },
    );
  }
  return settleReservations(database, orderId);
}

/**
 * Brings the products' counters in line with the order's ended reservations (after the payment
 * commit, after a release, or when reconciliation finds one a crash left unsettled). Idempotent.
 * Returns the products whose available stock changed.
 */
export async function settleReservations(database: Database, orderId: ObjectId): Promise<ObjectId[]> {
  const ended = await database.collections.reservations
    .find({ orderId, settled: false, status: { $in: ['consumed', 'released'] } })
    .toArray();
  const changed: ObjectId[] = [];
  for (const reservation of ended) {
    if (await settleReservation(database, reservation)) changed.push(reservation.productId);
  }
  return changed;
}

/** Settles one ended reservation; true if the product's available stock went up (a release). */
export async function settleReservation(database: Database, reservation: ReservationDoc): Promise<boolean> {
  if (reservation.status === 'held' || reservation.settled) return false;
  const release = reservation.status === 'released';
  const moved = await settleOnProduct(database, reservation, release);
  await database.collections.reservations.updateOne(
    { _id: reservation._id, settled: false },
    { $set: { settled: true, updatedAt: new Date() } },
  );
  return moved && release;
}

/**
 * A product marker with no reservation record (a crash between the product update and the record's
 * insert). If its order exists, the record is written as `held` and the usual rules apply to it;
 * if not, the marker is released. Returns true when available stock went up.
 */
export async function resolveOrphanHold(
  database: Database,
  productId: ObjectId,
  id: string,
  quantity: number,
  orderExists: boolean,
): Promise<boolean> {
  if (!orderExists) return settleOnProduct(database, { _id: id, productId, quantity }, true);
  const orderHex = orderHexOfReservation(id);
  if (!orderHex) return false;
  const now = new Date();
  await database.collections.reservations.updateOne(
    { _id: id },
    {
      $setOnInsert: {
        orderId: new ObjectId(orderHex),
        productId,
        quantity,
        status: 'held',
        settled: false,
        createdAt: now,
        updatedAt: now,
      },
    },
    { upsert: true },
  );
  return false;
}
