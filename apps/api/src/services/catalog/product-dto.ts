import type { ProductDoc } from '@simple-shop/db';
import type { ProductDto } from '../../schemas/products';

/**
 * Document → API shape, field by field (never by projection, never by spreading the document), so
 * internal fields (`searchTerms`, `deletedAt`, `sku`, `holds`) can not leak into an answer or a
 * cached copy.
 */
export function toProductDto(doc: ProductDoc): ProductDto {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    description: doc.description,
    category: doc.category,
    price: doc.price,
    currency: doc.currency,
    stock: doc.stock,
    active: doc.active && !doc.deletedAt,
    images: [...doc.images],
    attributes: { ...doc.attributes },
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
