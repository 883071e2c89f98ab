import { ObjectId, type ProductDoc } from '@simple-shop/db';
import type { Filter, Sort } from 'mongodb';
import { HttpError } from '../../lib/http-error';

/**
 * Keyset ("cursor") pagination of product lists. Every sort ends with `_id` in the same
 * direction, so the order is total; the cursor is the last item's sort key and `_id`, and the
 * next page is "strictly after that key". Inserts, updates and deletes between two requests never
 * make an original item appear twice or be skipped (no offsets).
 *
 * Cursor = base64url(JSON `{ s: sort, v: key value, i: id hex }`). It is opaque to clients; a
 * cursor that does not decode, or was issued for another sort, is a 400 `INVALID_CURSOR`.
 */
export const PRODUCT_SORTS = ['newest', 'price_asc', 'price_desc', 'name'] as const;
export type ProductSort = (typeof PRODUCT_SORTS)[number];

interface SortSpec {
  field: 'createdAt' | 'price' | 'name';
  direction: 1 | -1;
}

const SPECS: Record<ProductSort, SortSpec> = {
  newest: { field: 'createdAt', direction: -1 },
  price_asc: { field: 'price', direction: 1 },
  price_desc: { field: 'price', direction: -1 },
  name: { field: 'name', direction: 1 },
};

export interface CursorPosition {
  value: Date | number | string;
  id: ObjectId;
}

export function sortDocument(sort: ProductSort): Sort {
  const { field, direction } = SPECS[sort];
  return { [field]: direction, _id: direction };
}

/** The cursor that continues after `doc` in `sort` order. */
export function encodeCursor(sort: ProductSort, doc: Pick<ProductDoc, '_id' | 'createdAt' | 'price' | 'name'>): string {
  const { field } = SPECS[sort];
  const value = field === 'createdAt' ? doc.createdAt.getTime() : doc[field];
  return Buffer.from(JSON.stringify({ s: sort, v: value, i: doc._id.toHexString() }), 'utf8').toString('base64url');
}

function invalid(reason: string): HttpError {
  return new HttpError(400, 'INVALID_CURSOR', `cursor is not valid: ${reason}`);
}

export function decodeCursor(cursor: string, sort: ProductSort): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid('it does not decode');
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid('it does not decode');
  const { s, v, i } = parsed as Record<string, unknown>;
  if (s !== sort) throw invalid(`it was issued for sort=${String(s)}, not sort=${sort}`);
  if (typeof i !== 'string' || !/^[0-9a-f]{24}$/.test(i)) throw invalid('bad id');
  const id = new ObjectId(i);
  const { field } = SPECS[sort];
  if (field === 'name') {
    if (typeof v !== 'string') throw invalid('bad key');
    return { value: v, id };
  }
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid('bad key');
  return { value: field === 'createdAt' ? new Date(v) : v, id };
}

/** Documents strictly after `position` in `sort` order. */
export function afterFilter(sort: ProductSort, position: CursorPosition): Filter<ProductDoc> {
  const { field, direction } = SPECS[sort];
  const op = direction === 1 ? '$gt' : '$lt';
  return {
    $or: [{ [field]: { [op]: position.value } }, { [field]: position.value, _id: { [op]: position.id } }],
  } as Filter<ProductDoc>;
}
