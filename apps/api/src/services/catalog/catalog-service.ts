import { ObjectId } from '@simple-shop/db';
import type { JsonText } from '../../lib/json-text';
import { HttpError } from '../../lib/http-error';
import { MAX_PRICE, type ProductDto } from '../../schemas/products';
import { decodeCursor, type ProductSort } from './cursor';
import { type ProductCache, pageHash, type CachedProduct, type PageBody } from './product-cache';
import { toProductDto, type ProductView } from './product-dto';
import { type ProductRepository, type PageQuery, type ProductInput } from './product-repository';
import { MAX_QUERY_WORDS, queryWords } from '@simple-shop/domain';

/** A list page request: the repository's page query without search words. */
export type ListRequest = Omit<PageQuery, 'terms'>;

/** A page to look up by its cache hash. */
export interface PageLookup {
  hash: string;
  query: PageQuery;
}

/** A page request before any I/O: the page to look up, or an answer known without one (`json`). */
export type PagePlan = PageLookup | { json: string };

export interface SearchRequest {
  q: string;
  sort: ProductSort;
  limit: number;
  cursor?: string | undefined;
}

const toEntry = (doc: ProductView): CachedProduct => ({ product: toProductDto(doc), deleted: Boolean(doc.deletedAt) });

/** Whether a shopper may see (and buy) this product. */
export const isPurchasable = (entry: CachedProduct | null | undefined): entry is CachedProduct =>
  Boolean(entry && entry.product.active && !entry.deleted);

/**
 * Product reads through the two tiers (Redis, then MongoDB) and admin writes that invalidate them.
 * A warm detail or page read is answered from Redis alone: zero MongoDB commands.
 */
export class CatalogService {
  constructor(
    readonly repository: ProductRepository,
    readonly cache: ProductCache,
  ) {}

  /** Entries by id (any state; null = no such product), from Redis where possible. */
  async entries(ids: readonly string[]): Promise<Map<string, CachedProduct | null>> {
    const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
    const { found, missing, generation } = await this.cache.readProducts(unique);
    if (missing.length === 0) return found;
    const docs = await this.repository.findByIds(missing.map((id) => new ObjectId(id)));
    const fresh = new Map<string, CachedProduct | null>(missing.map((id) => [id, null]));
    for (const doc of docs) fresh.set(doc._id.toHexString(), toEntry(doc));
    await this.cache.writeProducts(generation, [...fresh]);
    for (const [id, entry] of fresh) found.set(id, entry);
    return found;
  }

  /** The product as shoppers see it: null when unknown, inactive or deleted. */
  async getProduct(id: string): Promise<ProductDto | null> {
    const entry = (await this.entries([id])).get(id.toLowerCase());
    return isPurchasable(entry) ? entry.product : null;
  }

  /**
   * A page as JSON text (PageBody), ready to send. Price bounds that cannot change the answer are dropped
   * first (minPrice 0, maxPrice at or above the highest possible price), so they do not make cache variants.
   */
  async listProducts(request: ListRequest): Promise<JsonText> {
    return this.answer(this.planList(request));
  }

  async searchProducts(request: SearchRequest): Promise<JsonText> {
    return this.answer(this.planSearch(request));
  }

  /** What a list request needs, before any I/O: the page to look up (its cache hash), or the answer itself. */
  planList(request: ListRequest): PagePlan {
    if (request.minPrice !== undefined && request.maxPrice !== undefined && request.minPrice > request.maxPrice) {
      throw new HttpError(400, 'VALIDATION_ERROR', 'minPrice must not be greater than maxPrice');
    }
    const { minPrice, maxPrice, ...rest } = request;
    if (minPrice !== undefined && minPrice > MAX_PRICE) {
      // No product can cost more than MAX_PRICE: an empty last page, asked of neither Redis nor MongoDB.
      if (request.cursor !== undefined) decodeCursor(request.cursor, request.sort);
      return { json: JSON.stringify({ items: [], nextCursor: null, limit: request.limit } satisfies PageBody) };
    }
    return this.plan({
      ...rest,
      ...(minPrice !== undefined && minPrice > 0 ? { minPrice } : {}),
      ...(maxPrice !== undefined && maxPrice < MAX_PRICE ? { maxPrice } : {}),
    });
  }

  planSearch(request: SearchRequest): PagePlan {
    const terms = queryWords(request.q);
    if (terms.length > MAX_QUERY_WORDS) {
      throw new HttpError(400, 'VALIDATION_ERROR', `q has more than ${MAX_QUERY_WORDS} words`);
    }
    // Nothing searchable (only punctuation/spaces): nothing matches, and nothing is asked of MongoDB.
    if (terms.length === 0) {
      if (request.cursor !== undefined) decodeCursor(request.cursor, request.sort);
      return { json: JSON.stringify({ items: [], nextCursor: null, limit: request.limit } satisfies PageBody) };
    }
    return this.plan({ sort: request.sort, limit: request.limit, cursor: request.cursor, terms });
  }

  private plan(query: PageQuery): PagePlan {
    // A bad cursor is a 400 before any cache or database work.
    if (query.cursor !== undefined) decodeCursor(query.cursor, query.sort);
    const hash = pageHash([
      query.terms ? 'search' : 'list',
      query.sort,
      query.limit,
      query.cursor ?? null,
      query.category ?? null,
      query.minPrice ?? null,
      query.maxPrice ?? null,
      query.inStock === true,
      query.terms ?? null,
    ]);
    return { hash, query };
  }

  private answer(plan: PagePlan): Promise<JsonText> | JsonText {
    return 'json' in plan ? plan.json : this.page(plan);
  }

  /** The page from Redis, else from MongoDB (and written back unless the catalog changed meanwhile). */
  async page({ hash, query }: PageLookup): Promise<JsonText> {
    const cached = await this.cache.readPageJson(hash);
    if (cached.json) return cached.json;
    const result = await this.repository.page(query);
    const page: PageBody = { items: result.items.map(toProductDto), nextCursor: result.nextCursor, limit: query.limit };
    const json = JSON.stringify(page);
    await this.cache.writePageJson(cached.generation, hash, json);
    return json;
  }

  async createProduct(input: ProductInput): Promise<ProductDto> {
    const doc = await this.repository.create(input);
    const id = doc._id.toHexString();
    await this.cache.invalidate([id]);
    return toProductDto(doc);
  }

  /** Null when the product does not exist or was deleted. */
  async updateProduct(id: string, patch: Partial<ProductInput>): Promise<ProductDto | null> {
    const doc = await this.repository.update(new ObjectId(id), patch);
    if (!doc) return null;
    await this.cache.invalidate([doc._id.toHexString()]);
    return toProductDto(doc);
  }

  /** False when no such product exists; deleting a deleted product is a no-op (true). */
  async deleteProduct(id: string): Promise<boolean> {
    const outcome = await this.repository.softDelete(new ObjectId(id));
    if (outcome === 'not_found') return false;
    await this.cache.invalidate([id.toLowerCase()]);
    return true;
  }

  /** Call after stock or anything else shoppers see changed outside this service (orders). */
  async invalidate(productIds: readonly string[]): Promise<boolean> {
    return this.cache.invalidate(productIds.map((id) => id.toLowerCase()));
  }
}
