import { ObjectId, type Database, type OrderDoc } from '@simple-shop/db';
import { money, multiply, sum, type CurrencyCode } from '@simple-shop/domain';
import { InsufficientStockError, OrderError } from './errors';
import { reserveStock } from './inventory/reservations';

export interface OrderLineRequest {
  productId: ObjectId;
  quantity: number;
}

export interface CreateOrderInput {
  userId: ObjectId;
  lines: readonly OrderLineRequest[];
  /** How long the order may stay unpaid before it expires and its reservations are released. */
  ttlSeconds: number;
  now?: Date;
}

/** Same product twice in a request is one line with the summed quantity. */
function mergeLines(lines: readonly OrderLineRequest[]): OrderLineRequest[] {
  const merged = new Map<string, OrderLineRequest>();
  for (const line of lines) {
    const key = line.productId.toHexString();
    const existing = merged.get(key);
    merged.set(key, { productId: line.productId, quantity: (existing?.quantity ?? 0) + line.quantity });
  }
  return [...merged.values()];
}

/**
 * Creates an unpaid order: prices and names come from the catalog at this moment (never from
 * the client) and are snapshotted into the order; stock is reserved first, so an order that
 * exists always has its units. If the process dies between the reservations and the insert, the
 * reservations belong to an order that does not exist, and reconciliation releases them.
 */
export async function createOrder(database: Database, input: CreateOrderInput): Promise<OrderDoc> {
  const { products, orders } = database.collections;
  const lines = mergeLines(input.lines);
  if (lines.length === 0) throw new OrderError('EMPTY_ORDER', 'An order needs at least one item');

  const catalog = await products.find({ _id: { $in: lines.map((l) => l.productId) } }).toArray();
  const snapshot = lines.map((line) => {
    const product = catalog.find((p) => p._id.equals(line.productId));
    if (!product || product.deletedAt) {
      throw new OrderError('PRODUCT_NOT_FOUND', `Product ${line.productId.toHexString()} not found`, {
        productId: line.productId.toHexString(),
      });
    }
    if (!product.active) {
      throw new OrderError('PRODUCT_UNAVAILABLE', `Product ${product.name} is not available`, {
        productId: line.productId.toHexString(),
      });
    }
    return { line, product, unit: money(product.price, product.currency) };
  });
  const currency = snapshot[0]!.unit.currency;
  if (snapshot.some((s) => s.unit.currency !== currency)) {
    throw new OrderError('CURRENCY_MISMATCH', 'All items of an order must be priced in one currency');
  }
  const total = sum(
    snapshot.map((s) => multiply(s.unit, s.line.quantity)),
    currency as CurrencyCode,
  );

  const orderId = new ObjectId();
  const reserved = await reserveStock(database, orderId, lines);
  if (!reserved.ok) throw new InsufficientStockError(reserved.short);

  const now = input.now ?? new Date();
  const order: OrderDoc = {
    _id: orderId,
    userId: input.userId,
    status: 'pending_payment',
    items: snapshot.map((s) => ({
      productId: s.product._id,
      name: s.product.name,
      quantity: s.line.quantity,
      unitPrice: s.product.price,
    })),
    total: total.amount,
    currency,
    expiresAt: new Date(now.getTime() + input.ttlSeconds * 1000),
    history: [{ status: 'pending_payment', at: now }],
    fulfilmentStatus: 'unfulfilled',
    timeline: [{ at: now, by: input.userId.toHexString(), kind: 'payment', to: 'pending_payment', note: 'order placed' }],
    createdAt: now,
    updatedAt: now,
  };
  await orders.insertOne(order);
  return order;
}
