import type { Collections, OrderDoc } from '@simple-shop/db';
import type { Filter } from 'mongodb';
import { afterTimeCursor, encodeTimeCursor } from '../../lib/cursor';

/** One page of orders, newest first, with a keyset cursor to the next page. */
export async function listOrders(
  collections: Collections,
  filter: Filter<OrderDoc>,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ docs: OrderDoc[]; nextCursor: string | null }> {
  const docs = await collections.orders
    .find({ ...filter, ...afterTimeCursor(page.cursor) })
    .sort({ createdAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .toArray();
  const items = docs.slice(0, page.limit);
  const last = items.at(-1);
  return {
    docs: items,
    nextCursor: docs.length > page.limit && last ? encodeTimeCursor(last.createdAt, last._id) : null,
  };
}
