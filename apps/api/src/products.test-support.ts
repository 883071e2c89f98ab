/** Catalog fixtures for API tests, written in one insertMany (cheap on the MongoDB stand-in). */
import type { Database, ObjectId, ProductDoc } from '@simple-shop/db';
import { productDoc } from '@simple-shop/testing';

export { productDoc };

export async function insertProducts(database: Database, products: ProductDoc[]): Promise<ProductDoc[]> {
  await database.collections.products.insertMany(products);
  return products;
}

export async function stockOf(database: Database, id: ObjectId): Promise<{ stock: number; held: number }> {
  const doc = await database.collections.products.findOne({ _id: id });
  if (!doc) throw new Error('product missing');
  return { stock: doc.stock, held: Object.values(doc.holds ?? {}).reduce((a, b) => a + b, 0) };
}
