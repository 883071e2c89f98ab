import type { ProductDoc } from '@simple-shop/db';
import type { ProductDto } from '../../schemas/products';

/**
 * The fields product reads fetch: what the DTO, the cache entry (`deletedAt`), the page cursors and
 * the admin stock levels (`reserved`) need; not the per-reservation and per-adjustment markers.
 */
export type ProductView = Omit<ProductDoc, 'holds' | 'applied' | 'searchTerms' | 'sku'>;

/**
 * The explicit projection of every product read, so internal fields (a marker per open reservation,
 * search terms) never travel from MongoDB. `satisfies` keeps it in step with ProductView. The
 * offline stand-in ignores projections, which is why toProductDto still maps field by field.
 */
export const PRODUCT_VIEW_PROJECTION = {
  _id: 1,
  name: 1,
  description: 1,
  category: 1,
  price: 1,
  currency: 1,
  stock: 1,
  reserved: 1,
  active: 1,
  deletedAt: 1,
  images: 1,
  attributes: 1,
  createdAt: 1,
  updatedAt: 1,
} as const satisfies Record<keyof ProductView, 1>;

/**
 * Document → API shape, field by field (never by projection, never by spreading the document), so
 * internal fields (`searchTerms`, `deletedAt`, `sku`, `holds`) can not leak into an answer or a
 * cached copy.
 */
export function toProductDto(doc: ProductView): ProductDto {
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
