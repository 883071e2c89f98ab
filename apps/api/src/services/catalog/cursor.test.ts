import { INDEXES, ObjectId, QUERY_SHAPES, supportingIndex, type QueryShape } from '@simple-shop/db';
import { describe, expect, it } from 'vitest';
import { afterFilter, decodeCursor, encodeCursor, PRODUCT_SORTS, sortDocument } from './cursor';

const doc = {
  _id: new ObjectId('65a1b2c3d4e5f60718293a4b'),
  createdAt: new Date('2025-02-03T04:05:06.789Z'),
  price: 1999,
  name: 'Über Mug',
};

describe('product cursors', () => {
  it('round-trip the sort key and id for every sort', () => {
    expect(decodeCursor(encodeCursor('newest', doc), 'newest')).toEqual({ value: doc.createdAt, id: doc._id });
    expect(decodeCursor(encodeCursor('price_asc', doc), 'price_asc')).toEqual({ value: 1999, id: doc._id });
    expect(decodeCursor(encodeCursor('price_desc', doc), 'price_desc')).toEqual({ value: 1999, id: doc._id });
    expect(decodeCursor(encodeCursor('name', doc), 'name')).toEqual({ value: 'Über Mug', id: doc._id });
    expect(encodeCursor('name', doc)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('reject a cursor of another sort, or one that does not decode', () => {
    const bad =
      (cursor: string, sort: 'newest' | 'price_asc' | 'name' = 'newest') =>
      () =>
        decodeCursor(cursor, sort);
    expect(bad(encodeCursor('newest', doc), 'price_asc')).toThrow(/sort=newest, not sort=price_asc/);
    expect(bad('')).toThrow(/INVALID|not valid/);
    expect(bad('not-json')).toThrow(/not valid/);
    for (const body of [
      { s: 'newest', v: 1.5, i: doc._id.toHexString() },
      { s: 'newest', v: '1', i: doc._id.toHexString() },
      { s: 'newest', v: 1, i: 'ZZ' },
      { s: 'name', v: 1, i: doc._id.toHexString() },
      null,
      42,
    ]) {
      const cursor = Buffer.from(JSON.stringify(body)).toString('base64url');
      expect(bad(cursor, (body as { s?: 'newest' | 'name' } | null)?.s ?? 'newest')).toThrow(/not valid/);
    }
  });

  it('sort on the key, then _id in the same direction, and continue strictly after the cursor', () => {
    expect(sortDocument('newest')).toEqual({ createdAt: -1, _id: -1 });
    expect(sortDocument('price_asc')).toEqual({ price: 1, _id: 1 });
    expect(sortDocument('price_desc')).toEqual({ price: -1, _id: -1 });
    expect(sortDocument('name')).toEqual({ name: 1, _id: 1 });
    expect(afterFilter('price_asc', { value: 5, id: doc._id })).toEqual({
      $or: [{ price: { $gt: 5 } }, { price: 5, _id: { $gt: doc._id } }],
    });
    expect(afterFilter('newest', { value: doc.createdAt, id: doc._id })).toEqual({
      $or: [{ createdAt: { $lt: doc.createdAt } }, { createdAt: doc.createdAt, _id: { $lt: doc._id } }],
    });
  });
});

describe('product sorts and indexes', () => {
  it.each(PRODUCT_SORTS)('sort=%s, with and without a category, is listed in QUERY_SHAPES and has an index', (sort) => {
    for (const equality of [['active'], ['active', 'category']]) {
      const shape: QueryShape = {
        collection: 'products',
        source: sort,
        equality,
        sort: sortDocument(sort) as Record<string, 1 | -1>,
      };
      expect(supportingIndex(shape, INDEXES), JSON.stringify(shape)).toBeDefined();
      const listed = QUERY_SHAPES.filter(
        (s) => s.collection === 'products' && s.equality?.join() === equality.join() && s.sort,
      ).map((s) => Object.keys(s.sort!).join());
      expect(listed).toContain(Object.keys(shape.sort!).join());
    }
  });
});
