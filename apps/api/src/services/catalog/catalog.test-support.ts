/**
 * Test helpers for catalog and cart tests: product documents shaped exactly as the repository
 * writes them (with `searchTerms`), to seed a small collection in one `insertMany`.
 */
import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { searchTermsFor } from '@simple-shop/domain';

export const T0 = new Date('2025-01-01T00:00:00.000Z');

export function productDoc(overrides: Partial<ProductDoc> & { name: string }): ProductDoc {
  const category = overrides.category ?? 'misc';
  return {
    _id: new ObjectId(),
    description: `About ${overrides.name}`,
    category,
    price: 1000,
    currency: 'usd',
    stock: 10,
    active: true,
    images: ['https://img.example.com/p.jpg'],
    attributes: { color: 'red' },
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
    searchTerms: searchTermsFor(overrides.name, category),
  };
}

/** `T0 + minutes`. */
export const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
