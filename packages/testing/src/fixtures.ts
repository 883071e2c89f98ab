import { ObjectId, type ProductDoc } from '@simple-shop/db';

/** A valid product document for tests (active, in stock, USD); any field can be overridden. */
export function productDoc(overrides: Partial<ProductDoc> = {}): ProductDoc {
  const now = new Date();
  const name = overrides.name ?? `Test product ${Math.random().toString(36).slice(2, 8)}`;
  return {
    _id: new ObjectId(),
    name,
    description: 'A product made for tests',
    category: 'tests',
    price: 1999,
    currency: 'usd',
    stock: 10,
    active: true,
    images: [],
    attributes: {},
    searchTerms: name.toLowerCase().split(/\s+/),
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
