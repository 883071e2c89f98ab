/** Catalog fixtures for API tests, written in one insertMany (cheap on the MongoDB stand-in). */
import { ObjectId, type Database, type ProductDoc } from '@simple-shop/db';

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

export async function insertProducts(database: Database, products: ProductDoc[]): Promise<ProductDoc[]> {
  await database.collections.products.insertMany(products);
  return products;
}

export async function stockOf(database: Database, id: ObjectId): Promise<{ stock: number; held: number }> {
  const doc = await database.collections.products.findOne({ _id: id });
  if (!doc) throw new Error('product missing');
  return { stock: doc.stock, held: Object.values(doc.holds ?? {}).reduce((a, b) => a + b, 0) };
}
