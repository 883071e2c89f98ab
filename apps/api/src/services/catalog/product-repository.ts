import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { ReadPreference, type Collection, type Filter, type ReadPreferenceMode } from 'mongodb';
import { HttpError } from '../../lib/http-error';
import { afterFilter, decodeCursor, encodeCursor, sortDocument, type ProductSort } from './cursor';
import { prefixPatterns, searchTermsFor } from '@simple-shop/domain';
import { PRODUCT_VIEW_PROJECTION as projection, type ProductView } from './product-dto';

/** What an admin sets on a product (the API's create body after defaults). */
export interface ProductInput {
  name: string;
  description: string;
  category: string;
  price: number;
  currency: string;
  stock: number;
  active: boolean;
  images: string[];
  attributes: Record<string, string>;
}

export interface PageQuery {
  sort: ProductSort;
  limit: number;
  cursor?: string | undefined;
  category?: string | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  inStock?: boolean | undefined;
  /** Search words: every one must prefix-match a search term. */
  terms?: readonly string[] | undefined;
}

export interface DocPage {
  items: ProductView[];
  nextCursor: string | null;
}

export type DeleteOutcome = 'deleted' | 'already_deleted' | 'not_found';

/** Guards of updates: a soft-deleted product is never edited or revived. */
const notDeleted = { deletedAt: { $exists: false } } as const;

/**
 * MongoDB access for products. The invariant "deleted ⇒ inactive" is kept here (deletion sets both,
 * and no update matches a deleted product), so shopper reads filter on `active: true` alone, which
 * the `active_*` indexes serve.
 */
export class ProductRepository {
  /** Where shopper reads that missed the cache go (MONGODB_CATALOG_READ_PREFERENCE); admin reads use the primary. */
  private readonly shopperReads: { readPreference: ReadPreference };

  constructor(
    private readonly products: Collection<ProductDoc>,
    catalogReadPreference: ReadPreferenceMode = 'primary',
  ) {
    this.shopperReads = { readPreference: ReadPreference.fromString(catalogReadPreference) };
  }

  async create(input: ProductInput, now = new Date()): Promise<ProductDoc> {
    const doc: ProductDoc = {
      _id: new ObjectId(),
      name: input.name.trim(),
      description: input.description,
      category: input.category,
      price: input.price,
      currency: input.currency,
      stock: input.stock,
      reserved: 0,
      active: input.active,
      images: [...input.images],
      attributes: { ...input.attributes },
      searchTerms: searchTermsFor(input.name, input.category),
      createdAt: now,
      updatedAt: now,
    };
    await this.products.insertOne(doc);
    return doc;
  }

  /**
   * Applies the fields present in `patch`; null when the product does not exist or was deleted.
   * When name or category change, `searchTerms` is recomputed, and the update is guarded on the
   * name and category it was computed from (retried if a concurrent edit changed them), so the
   * terms always describe the stored name and category.
   */
  async update(id: ObjectId, patch: Partial<ProductInput>): Promise<ProductView | null> {
    const $set: Partial<ProductDoc> = {};
    for (const [key, value] of Object.entries(patch) as [keyof ProductInput, unknown][]) {
      if (value === undefined) continue;
      if (key === 'name') $set.name = (value as string).trim();
      else if (key === 'images') $set.images = [...(value as string[])];
      else if (key === 'attributes') $set.attributes = { ...(value as Record<string, string>) };
      else ($set as Record<string, unknown>)[key] = value;
    }
    const touchesTerms = $set.name !== undefined || $set.category !== undefined;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const filter: Filter<ProductDoc> = { _id: id, ...notDeleted };
      if (touchesTerms) {
        const current = await this.products.findOne({ _id: id, ...notDeleted });
        if (!current) return null;
        const name = $set.name ?? current.name;
        const category = $set.category ?? current.category;
        $set.searchTerms = searchTermsFor(name, category);
        filter.name = current.name;
        filter.category = current.category;
      }
      $set.updatedAt = new Date();
      // A guarded updateOne, then a read back (a guarded findOneAndUpdate is not atomic on the
      // offline stand-in; see docs/contributing.md).
      const result = await this.products.updateOne(filter, { $set });
      if (result.matchedCount === 1) return this.products.findOne<ProductView>({ _id: id }, { projection });
      if (!touchesTerms) return null;
    }
    throw new HttpError(409, 'CONCURRENT_UPDATE', 'The product changed concurrently; retry');
  }

  /** Soft delete: `deletedAt` + `active: false`; the document stays for orders that reference it. */
  async softDelete(id: ObjectId, now = new Date()): Promise<DeleteOutcome> {
    const result = await this.products.updateOne(
      { _id: id, ...notDeleted },
      { $set: { active: false, deletedAt: now, updatedAt: now } },
    );
    if (result.matchedCount === 1) return 'deleted';
    return (await this.products.countDocuments({ _id: id }, { limit: 1 })) > 0 ? 'already_deleted' : 'not_found';
  }

  /** Any state (active, inactive, deleted): carts and caches decide what they show. */
  async findById(id: ObjectId): Promise<ProductView | null> {
    return this.products.findOne<ProductView>({ _id: id }, { projection });
  }

  /** Shopper reads (cache misses): may be served by a secondary, see MONGODB_CATALOG_READ_PREFERENCE. */
  async findByIds(ids: readonly ObjectId[]): Promise<ProductView[]> {
    if (ids.length === 0) return [];
    if (ids.length === 1) {
      const doc = await this.products.findOne<ProductView>({ _id: ids[0] }, { projection, ...this.shopperReads });
      return doc ? [doc] : [];
    }
    return this.products.find<ProductView>({ _id: { $in: [...ids] } }, { projection, ...this.shopperReads }).toArray();
  }

  /** One page of active products in `sort` order, after `cursor`. */
  async page(query: PageQuery): Promise<DocPage> {
    const clauses: Filter<ProductDoc>[] = [{ active: true }];
    if (query.category !== undefined) clauses.push({ category: query.category });
    if (query.minPrice !== undefined || query.maxPrice !== undefined) {
      clauses.push({
        price: {
          ...(query.minPrice === undefined ? {} : { $gte: query.minPrice }),
          ...(query.maxPrice === undefined ? {} : { $lte: query.maxPrice }),
        },
      });
    }
    if (query.inStock) clauses.push({ stock: { $gt: 0 } });
    if (query.terms && query.terms.length > 0) clauses.push({ searchTerms: { $all: prefixPatterns(query.terms) } });
    if (query.cursor !== undefined) clauses.push(afterFilter(query.sort, decodeCursor(query.cursor, query.sort)));
    const filter: Filter<ProductDoc> = clauses.length === 1 ? clauses[0]! : { $and: clauses };
    const docs = await this.products
      .find<ProductView>(filter, { projection, ...this.shopperReads })
      .sort(sortDocument(query.sort))
      .limit(query.limit + 1)
      .toArray();
    const items = docs.slice(0, query.limit);
    const last = items.at(-1);
    return { items, nextCursor: docs.length > query.limit && last ? encodeCursor(query.sort, last) : null };
  }

  /** `stock` of every active product (the `stock_remaining` gauge). */
  async activeStock(): Promise<Map<string, number>> {
    const docs = await this.products.find({ active: true }, { projection: { _id: 1, stock: 1 } }).toArray();
    return new Map(docs.map((doc) => [doc._id.toHexString(), doc.stock]));
  }
}
